"""Channel readers: each turns one raw export (a binary file object) into staging rows."""

from dumbcontacts.cli import main

main()

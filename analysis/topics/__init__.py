"""Topics: a contact's reason -> embedding -> topic -> defect."""

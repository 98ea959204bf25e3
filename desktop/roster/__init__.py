"""The shift roster view: operators by days, cover rows, edits checked against the rules."""

"""The house date-time format per language (DESIGN "Interfaces"): `2027년 1월 2일 (토) 18:00 KST`,
`Sat 2 Jan 2027, 18:00 KST`. Everything Django formats with DATETIME_FORMAT — the admin's lists,
read-only fields, `|date:"DATETIME_FORMAT"` — and `core.i18n.format_datetime` write it this way;
the rest of each language's formats are Django's."""

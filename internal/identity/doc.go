// Package identity provides the building blocks of a Vietnamese identity:
// personal ID numbers, provinces, names (with and without diacritics), phone
// numbers, dates and genders.
package identity

package registry

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/vneid/vneid/internal/identity"
)

// CitizenWriter writes citizens in one of the import formats, for `vneid
// registry export` and for tests. Flush must be called at the end.
type CitizenWriter interface {
	// Write writes one citizen.
	Write(Citizen) error
	// Flush writes any buffered data (and, for CSV, the header if no
	// citizen was written) to the underlying writer.
	Flush() error
}

// NewWriter returns a CitizenWriter for format f.
func NewWriter(w io.Writer, f Format) (CitizenWriter, error) {
	switch f {
	case FormatCSV:
		return NewCSVWriter(w), nil
	case FormatJSONL:
		return NewJSONLWriter(w), nil
	}
	return nil, fmt.Errorf("new writer: unknown format %q", string(f))
}

// WriteAll writes every citizen of seq with w and flushes it.
func WriteAll(w CitizenWriter, seq iter.Seq[Citizen]) error {
	for c := range seq {
		if err := w.Write(c); err != nil {
			return err
		}
	}
	return w.Flush()
}

// csvColumn is one column of the CSV format: how to read it from a citizen
// and one of its cards, and how to set it.
type csvColumn struct {
	name string
	get  func(c *Citizen, card *IDCard) string
	set  func(c *Citizen, card *IDCard, v string) error
	// card marks the columns that describe the row's card.
	card bool
}

// CSVHeader returns the columns of the CSV format in the order CSVWriter
// writes them. The importer accepts them in any order.
func CSVHeader() []string {
	cols := csvColumns()
	names := make([]string, len(cols))
	for i, col := range cols {
		names[i] = col.name
	}
	return names
}

// textColumn describes a plain text column.
func textColumn(name string, field func(c *Citizen) *string) csvColumn {
	return csvColumn{
		name: name,
		get:  func(c *Citizen, _ *IDCard) string { return *field(c) },
		set:  func(c *Citizen, _ *IDCard, v string) error { *field(c) = v; return nil },
	}
}

// dateColumn describes a date column: written as YYYY-MM-DD, read as that
// or as dd/MM/yyyy.
func dateColumn(name string, card bool, field func(c *Citizen, card *IDCard) *identity.Date) csvColumn {
	return csvColumn{
		name: name,
		card: card,
		get:  func(c *Citizen, k *IDCard) string { return field(c, k).String() },
		set: func(c *Citizen, k *IDCard, v string) error {
			d, err := parseCSVDate(v)
			if err != nil {
				return err
			}
			*field(c, k) = d
			return nil
		},
	}
}

// parseCSVDate parses "YYYY-MM-DD" or "dd/MM/yyyy"; empty means unknown.
func parseCSVDate(v string) (identity.Date, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return identity.Date{}, nil
	case len(v) == 10 && v[4] == '-':
		return identity.ParseDate(v)
	case len(v) == 10 && v[2] == '/':
		return identity.ParseDateDMY(v)
	}
	return identity.Date{}, fmt.Errorf("date %q: want YYYY-MM-DD or dd/MM/yyyy", v)
}

// addressColumns describes the six columns of an address.
func addressColumns(prefix string, addr func(c *Citizen) *Address) []csvColumn {
	return []csvColumn{
		textColumn(prefix+"house_number", func(c *Citizen) *string { return &addr(c).HouseNumber }),
		textColumn(prefix+"street", func(c *Citizen) *string { return &addr(c).Street }),
		textColumn(prefix+"hamlet", func(c *Citizen) *string { return &addr(c).Hamlet }),
		textColumn(prefix+"commune", func(c *Citizen) *string { return &addr(c).Commune }),
		textColumn(prefix+"district", func(c *Citizen) *string { return &addr(c).District }),
		textColumn(prefix+"province", func(c *Citizen) *string { return &addr(c).Province }),
	}
}

// csvColumns returns the columns of the CSV format in writing order.
func csvColumns() []csvColumn {
	cols := []csvColumn{
		textColumn("id_number", func(c *Citizen) *string { return &c.ID }),
		textColumn("full_name", func(c *Citizen) *string { return &c.FullName }),
		dateColumn("date_of_birth", false, func(c *Citizen, _ *IDCard) *identity.Date { return &c.DateOfBirth }),
		{
			name: "gender",
			get:  func(c *Citizen, _ *IDCard) string { return c.Gender.VI() },
			set: func(c *Citizen, _ *IDCard, v string) error {
				if strings.TrimSpace(v) == "" {
					return nil // Normalize reports it missing
				}
				g, err := identity.ParseGender(v)
				c.Gender = g
				return err
			},
		},
		textColumn("nationality", func(c *Citizen) *string { return &c.Nationality }),
		textColumn("ethnicity", func(c *Citizen) *string { return &c.Ethnicity }),
		textColumn("religion", func(c *Citizen) *string { return &c.Religion }),
		textColumn("place_of_origin", func(c *Citizen) *string { return &c.PlaceOfOrigin }),
	}
	cols = append(cols, addressColumns("perm_", func(c *Citizen) *Address { return &c.PermanentAddress })...)
	cols = append(cols, addressColumns("temp_", func(c *Citizen) *Address { return &c.TemporaryAddress })...)
	cols = append(cols,
		csvColumn{
			name: "life_status",
			get:  func(c *Citizen, _ *IDCard) string { return string(c.LifeStatus) },
			set:  func(c *Citizen, _ *IDCard, v string) error { c.LifeStatus = LifeStatus(v); return nil },
		},
		textColumn("old_id_number", func(c *Citizen) *string { return &c.OldIDNumber }),
		csvColumn{
			name: "card_number",
			card: true,
			get:  func(_ *Citizen, k *IDCard) string { return k.Number },
			set:  func(_ *Citizen, k *IDCard, v string) error { k.Number = v; return nil },
		},
		csvColumn{
			name: "card_chip",
			card: true,
			get: func(_ *Citizen, k *IDCard) string {
				if k.Number == "" && k.IssueDate.IsZero() {
					return "" // no card on this row
				}
				if k.Chip {
					return "true"
				}
				return "false"
			},
			set: func(_ *Citizen, k *IDCard, v string) error {
				switch strings.ToLower(strings.TrimSpace(v)) {
				case "true", "1":
					k.Chip = true
				case "false", "0", "":
					k.Chip = false
				default:
					return fmt.Errorf("%q: want true, false, 1 or 0", v)
				}
				return nil
			},
		},
		dateColumn("card_issue_date", true, func(_ *Citizen, k *IDCard) *identity.Date { return &k.IssueDate }),
		dateColumn("card_expiry_date", true, func(_ *Citizen, k *IDCard) *identity.Date { return &k.ExpiryDate }),
		csvColumn{
			name: "card_status",
			card: true,
			get:  func(_ *Citizen, k *IDCard) string { return string(k.Status) },
			set:  func(_ *Citizen, k *IDCard, v string) error { k.Status = CardStatus(v); return nil },
		},
	)
	return cols
}

// csvFieldName turns a Normalize field path into the CSV column it comes
// from: "permanent_address.street" is "perm_street", "cards[0].issue_date"
// is "card_issue_date".
func csvFieldName(field string) string {
	if rest, ok := strings.CutPrefix(field, "permanent_address."); ok {
		return "perm_" + rest
	}
	if rest, ok := strings.CutPrefix(field, "temporary_address."); ok {
		return "temp_" + rest
	}
	if strings.HasPrefix(field, "cards[") {
		if _, rest, ok := strings.Cut(field, "]."); ok {
			return "card_" + rest
		}
	}
	return field
}

// CSVWriter writes citizens as CSV with the CSVHeader columns: one row per
// card, or one row with empty card columns for a citizen without a card.
// Dates are written YYYY-MM-DD and gender as "Nam" or "Nữ". The importer
// reads the rows of one citizen back as one upsert per row, which leaves the
// store with all the cards.
type CSVWriter struct {
	w      *csv.Writer
	cols   []csvColumn
	row    []string
	header bool
}

// NewCSVWriter returns a CSVWriter that writes to w.
func NewCSVWriter(w io.Writer) *CSVWriter {
	cols := csvColumns()
	return &CSVWriter{w: csv.NewWriter(w), cols: cols, row: make([]string, len(cols))}
}

func (cw *CSVWriter) writeHeader() error {
	if cw.header {
		return nil
	}
	cw.header = true
	if err := cw.w.Write(CSVHeader()); err != nil {
		return fmt.Errorf("write CSV header: %w", err)
	}
	return nil
}

// Write writes the rows of c.
func (cw *CSVWriter) Write(c Citizen) error {
	if err := cw.writeHeader(); err != nil {
		return err
	}
	cards := c.Cards
	if len(cards) == 0 {
		cards = []IDCard{{}}
	}
	for i := range cards {
		for j, col := range cw.cols {
			cw.row[j] = col.get(&c, &cards[i])
		}
		if err := cw.w.Write(cw.row); err != nil {
			return fmt.Errorf("write CSV row for %s: %w", c.ID, err)
		}
	}
	return nil
}

// Flush writes the header if nothing was written yet and flushes the
// buffered rows.
func (cw *CSVWriter) Flush() error {
	if err := cw.writeHeader(); err != nil {
		return err
	}
	cw.w.Flush()
	if err := cw.w.Error(); err != nil {
		return fmt.Errorf("flush CSV: %w", err)
	}
	return nil
}

// JSONLWriter writes citizens as JSON Lines: one Citizen object (with the
// JSON names of its struct tags) per line.
type JSONLWriter struct {
	bw  *bufio.Writer
	enc *json.Encoder
}

// NewJSONLWriter returns a JSONLWriter that writes to w.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	return &JSONLWriter{bw: bw, enc: enc}
}

// Write writes c as one line.
func (jw *JSONLWriter) Write(c Citizen) error {
	if err := jw.enc.Encode(c); err != nil {
		return fmt.Errorf("write JSON line for %s: %w", c.ID, err)
	}
	return nil
}

// Flush flushes the buffered lines.
func (jw *JSONLWriter) Flush() error {
	if err := jw.bw.Flush(); err != nil {
		return fmt.Errorf("flush JSON lines: %w", err)
	}
	return nil
}

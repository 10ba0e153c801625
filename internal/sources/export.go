package sources

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"iter"

	"github.com/vneid/vneid/internal/registry"
)

// Seq returns the documents as the sequence Export takes.
func Seq(docs []Document) iter.Seq2[Document, error] {
	return func(yield func(Document, error) bool) {
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
	}
}

// Export writes documents to w in format, in the formats Import reads: CSV
// with a header of every column of CSVColumns, or JSON Lines with one
// Document per line. Each document must pass Validate, so that what Export
// writes Import reads back equal. Export stops at the first error from
// docs, an invalid document, an error writing w or the end of ctx, and
// returns the number of documents written.
func Export(ctx context.Context, w io.Writer, format registry.Format, docs iter.Seq2[Document, error]) (int64, error) {
	var (
		n     int64
		write func(d *Document) error
		flush func() error
	)
	switch format {
	case registry.FormatCSV:
		cw := csv.NewWriter(w)
		cols := csvColumns()
		if err := cw.Write(CSVColumns()); err != nil {
			return 0, fmt.Errorf("sources export: %w", err)
		}
		row := make([]string, len(cols))
		write = func(d *Document) error {
			for i := range cols {
				row[i] = ""
				if cols[i].applies(d.Kind) {
					row[i] = cols[i].get(d)
				}
			}
			return cw.Write(row)
		}
		flush = func() error { cw.Flush(); return cw.Error() }
	case registry.FormatJSONL:
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		write = func(d *Document) error { return enc.Encode(d) }
		flush = bw.Flush
	default:
		return 0, fmt.Errorf("sources export: unknown format %q", string(format))
	}
	for d, err := range docs {
		if err != nil {
			return n, fmt.Errorf("sources export: after %d documents: %w", n, err)
		}
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return n, fmt.Errorf("sources export: after %d documents: %w", n, err)
			}
		}
		if err := d.Validate(); err != nil {
			return n, fmt.Errorf("sources export: document %d (%s %s): %w", n+1, d.Kind, d.Number, err)
		}
		if err := write(&d); err != nil {
			return n, fmt.Errorf("sources export: %w", err)
		}
		n++
	}
	if err := flush(); err != nil {
		return n, fmt.Errorf("sources export: %w", err)
	}
	return n, nil
}

package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// ChainReader is what verification reads: a slice of store.Queries.
type ChainReader interface {
	// LockAuditHead returns the chain's head (outside a transaction it only
	// reads).
	LockAuditHead(ctx context.Context) (store.AuditHead, error)
	// SealedAudit returns a page of sealed events in sequence order.
	SealedAudit(ctx context.Context, after int64, limit int) ([]store.SealedAuditEvent, error)
	// AuditCheckpoints returns a page of checkpoints in sequence order.
	AuditCheckpoints(ctx context.Context, after int64, limit int) ([]store.AuditCheckpoint, error)
	// AuditBacklog counts the unsealed events.
	AuditBacklog(ctx context.Context) (store.AuditBacklog, error)
}

// BreakKind says how the chain is broken.
type BreakKind string

// The ways a chain breaks.
const (
	// BreakMissing: sequence numbers with no event — events deleted after
	// sealing, or their seals erased.
	BreakMissing BreakKind = "missing"
	// BreakLink: the event names a predecessor hash other than the hash of
	// the event before it — events reordered, inserted or removed, or the
	// event before it changed and re-hashed.
	BreakLink BreakKind = "link"
	// BreakContent: the event's fields no longer give its hash — changed
	// after sealing.
	BreakContent BreakKind = "content"
	// BreakCheckpointSignature: the checkpoint's signature does not verify
	// — forged or altered.
	BreakCheckpointSignature BreakKind = "checkpoint_signature"
	// BreakCheckpointKey: the checkpoint names a key verification was not
	// given.
	BreakCheckpointKey BreakKind = "checkpoint_key"
	// BreakCheckpointHash: the checkpoint signed another hash than the
	// chain has at its sequence number — events up to it rewritten and
	// re-hashed.
	BreakCheckpointHash BreakKind = "checkpoint_hash"
	// BreakCheckpointBeyond: a checkpoint lies past the chain's end —
	// events removed from the end and the head moved back.
	BreakCheckpointBeyond BreakKind = "checkpoint_beyond_end"
	// BreakHead: the head does not match the chain's last event.
	BreakHead BreakKind = "head"
)

// Break is one place where the chain does not hold.
type Break struct {
	Kind BreakKind
	// Seq is where: the event's or checkpoint's sequence number, the first
	// missing one for BreakMissing.
	Seq int64
	// LastSeq is the last missing sequence number (BreakMissing only).
	LastSeq int64
	// EventID is the event at Seq (for BreakMissing: the event after the
	// gap, 0 at the end of the chain).
	EventID int64
	// PrevEventID is the event before Seq (BreakMissing and BreakLink; 0
	// at the start of the chain).
	PrevEventID int64
	// Want is what the chain or the checkpoint holds; Got what was found
	// or recomputed. Hashes, or nil when not relevant.
	Want, Got []byte
	// KeyID names the checkpoint's key (checkpoint breaks).
	KeyID string
}

// String describes the break in English.
func (b Break) String() string {
	switch b.Kind {
	case BreakMissing:
		where := fmt.Sprintf("between event %d and event %d", b.PrevEventID, b.EventID)
		switch {
		case b.EventID == 0 && b.PrevEventID == 0:
			where = "the whole chain up to the head"
		case b.EventID == 0:
			where = fmt.Sprintf("after event %d, up to the head", b.PrevEventID)
		case b.PrevEventID == 0:
			where = fmt.Sprintf("before event %d, from the start", b.EventID)
		}
		return fmt.Sprintf("%s missing (%s): events deleted after sealing, or their seals erased",
			seqRange("seq", b.Seq, b.LastSeq), where)
	case BreakLink:
		return fmt.Sprintf("seq %d, event %d: chained after hash %s, but the event before it (event %d) has hash %s: events reordered, inserted or removed, or the event before it changed and re-hashed",
			b.Seq, b.EventID, short(b.Got), b.PrevEventID, short(b.Want))
	case BreakContent:
		return fmt.Sprintf("seq %d, event %d: its fields give hash %s, but it was sealed with %s: changed after sealing",
			b.Seq, b.EventID, short(b.Got), short(b.Want))
	case BreakCheckpointSignature:
		return fmt.Sprintf("checkpoint at seq %d: the signature does not verify with key %s: forged or altered", b.Seq, b.KeyID)
	case BreakCheckpointKey:
		return fmt.Sprintf("checkpoint at seq %d: signed with key %s, which is not among the keys given", b.Seq, b.KeyID)
	case BreakCheckpointHash:
		return fmt.Sprintf("checkpoint at seq %d (event %d): signed hash %s, but the chain has %s: events up to seq %d rewritten and re-hashed",
			b.Seq, b.EventID, short(b.Want), short(b.Got), b.Seq)
	case BreakCheckpointBeyond:
		return fmt.Sprintf("checkpoint at seq %d lies past the chain's end (seq %d): events removed from the end", b.Seq, b.LastSeq)
	case BreakHead:
		return fmt.Sprintf("the head (seq %d, hash %s) is not the chain's end (seq %d, hash %s): the head was moved, or events sealed after it were removed",
			b.Seq, short(b.Want), b.LastSeq, short(b.Got))
	}
	return fmt.Sprintf("%s at seq %d (event %d)", b.Kind, b.Seq, b.EventID)
}

// Vietnamese describes the break in Vietnamese.
func (b Break) Vietnamese() string {
	switch b.Kind {
	case BreakMissing:
		where := fmt.Sprintf("giữa sự kiện %d và sự kiện %d", b.PrevEventID, b.EventID)
		switch {
		case b.EventID == 0 && b.PrevEventID == 0:
			where = "cả chuỗi đến đầu chuỗi"
		case b.EventID == 0:
			where = fmt.Sprintf("sau sự kiện %d, đến đầu chuỗi", b.PrevEventID)
		case b.PrevEventID == 0:
			where = fmt.Sprintf("trước sự kiện %d, từ đầu", b.EventID)
		}
		return fmt.Sprintf("thiếu %s (%s): sự kiện bị xóa sau khi niêm phong, hoặc dấu niêm phong bị xóa",
			seqRange("số thứ tự", b.Seq, b.LastSeq), where)
	case BreakLink:
		return fmt.Sprintf("số thứ tự %d, sự kiện %d: nối sau mã băm %s, nhưng sự kiện đứng trước (sự kiện %d) có mã băm %s: thứ tự bị đổi, sự kiện bị chèn hoặc xóa, hoặc sự kiện đứng trước bị sửa và băm lại",
			b.Seq, b.EventID, short(b.Got), b.PrevEventID, short(b.Want))
	case BreakContent:
		return fmt.Sprintf("số thứ tự %d, sự kiện %d: nội dung cho mã băm %s, nhưng khi niêm phong là %s: nội dung bị sửa sau khi niêm phong",
			b.Seq, b.EventID, short(b.Got), short(b.Want))
	case BreakCheckpointSignature:
		return fmt.Sprintf("điểm kiểm tra tại số thứ tự %d: chữ ký không hợp lệ với khóa %s: bị giả mạo hoặc bị sửa", b.Seq, b.KeyID)
	case BreakCheckpointKey:
		return fmt.Sprintf("điểm kiểm tra tại số thứ tự %d: ký bằng khóa %s, không nằm trong các khóa được cung cấp", b.Seq, b.KeyID)
	case BreakCheckpointHash:
		return fmt.Sprintf("điểm kiểm tra tại số thứ tự %d (sự kiện %d): mã băm đã ký %s, nhưng chuỗi có %s: các sự kiện đến số thứ tự %d bị viết lại và băm lại",
			b.Seq, b.EventID, short(b.Want), short(b.Got), b.Seq)
	case BreakCheckpointBeyond:
		return fmt.Sprintf("điểm kiểm tra tại số thứ tự %d nằm sau cuối chuỗi (số thứ tự %d): sự kiện ở cuối bị xóa", b.Seq, b.LastSeq)
	case BreakHead:
		return fmt.Sprintf("đầu chuỗi (số thứ tự %d, mã băm %s) không phải cuối chuỗi (số thứ tự %d, mã băm %s): đầu chuỗi bị dời, hoặc sự kiện niêm phong sau đó bị xóa",
			b.Seq, short(b.Want), b.LastSeq, short(b.Got))
	}
	return fmt.Sprintf("%s tại số thứ tự %d (sự kiện %d)", b.Kind, b.Seq, b.EventID)
}

func seqRange(word string, from, to int64) string {
	if from == to {
		return fmt.Sprintf("%s %d", word, from)
	}
	return fmt.Sprintf("%s %d–%d", word, from, to)
}

func short(h []byte) string {
	if len(h) == 0 {
		return "(none)"
	}
	if len(h) > 8 {
		h = h[:8]
	}
	return hex.EncodeToString(h) + "…"
}

// MaxBreaks bounds the breaks a report lists; TotalBreaks counts them all.
const MaxBreaks = 100

// Report is the outcome of Verify.
type Report struct {
	// Head is the head when verification started; the chain is checked up
	// to it (events sealed meanwhile are left for the next run).
	Head store.AuditHead
	// Sealed is how many sealed events were checked.
	Sealed int64
	// Unsealed is how many events wait for the sealer, and OldestUnsealed
	// the time of the oldest (zero when none).
	Unsealed       int64
	OldestUnsealed time.Time
	// Checkpoints is how many checkpoints were checked, and
	// LastCheckpoint the one with the highest sequence number.
	Checkpoints    int
	LastCheckpoint store.AuditCheckpoint
	// Breaks lists the first MaxBreaks breaks in chain order: Breaks[0] is
	// the first broken link. TotalBreaks counts every break.
	Breaks      []Break
	TotalBreaks int
}

// OK reports whether the chain holds.
func (r *Report) OK() bool { return r.TotalBreaks == 0 }

func (r *Report) add(b Break) {
	r.TotalBreaks++
	if len(r.Breaks) < MaxBreaks {
		r.Breaks = append(r.Breaks, b)
	}
}

// PageSize is how many events Verify reads at a time.
const PageSize = 2000

// ErrNoKeys: Verify was given no public key to check checkpoints with.
var ErrNoKeys = errors.New("audit verify: no checkpoint public key given")

// Verify walks the chain from the first event to the head in sequence
// order, a page at a time, and checks that every event's fields give its
// hash, every event is chained to the one before it, no sequence number is
// missing, every checkpoint carries a valid signature by one of keys over the
// chain's hash at its sequence number, and the head is the chain's end. It
// returns an error only when it cannot read the store; a broken chain is a
// report whose OK is false.
func Verify(ctx context.Context, r ChainReader, keys Keys) (*Report, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	head, err := r.LockAuditHead(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit verify: %w", err)
	}
	rep := &Report{Head: head}
	cps := &checkpointCursor{r: r}
	checkCP := func(cp store.AuditCheckpoint, chainHash []byte, eventID int64) {
		rep.Checkpoints++
		rep.LastCheckpoint = cp
		if !checkSignature(rep, cp, keys) {
			return
		}
		if chainHash != nil && !bytes.Equal(cp.Hash, chainHash) {
			rep.add(Break{Kind: BreakCheckpointHash, Seq: cp.Seq, EventID: eventID, Want: cp.Hash, Got: chainHash})
		}
	}

	var (
		lastSeq  int64
		lastID   int64
		lastHash = Genesis()
	)
	for walking := head.Seq > 0; walking; {
		page, err := r.SealedAudit(ctx, lastSeq, PageSize)
		if err != nil {
			return nil, fmt.Errorf("audit verify: %w", err)
		}
		walking = len(page) == PageSize
		for _, ev := range page {
			if ev.Seq > head.Seq {
				walking = false // sealed after verification started
				break
			}
			if ev.Seq != lastSeq+1 {
				rep.add(Break{Kind: BreakMissing, Seq: lastSeq + 1, LastSeq: ev.Seq - 1, EventID: ev.ID, PrevEventID: lastID})
				// Checkpoints inside the gap cannot be compared: their
				// signatures still are.
				if err := cps.upTo(ctx, ev.Seq-1, func(cp store.AuditCheckpoint) { checkCP(cp, nil, 0) }); err != nil {
					return nil, err
				}
			} else if !bytes.Equal(ev.Prev, lastHash) {
				rep.add(Break{Kind: BreakLink, Seq: ev.Seq, EventID: ev.ID, PrevEventID: lastID, Want: lastHash, Got: ev.Prev})
			}
			if h := ChainHash(ev.Prev, ev.AuditEvent); !bytes.Equal(h, ev.Hash) {
				rep.add(Break{Kind: BreakContent, Seq: ev.Seq, EventID: ev.ID, Want: ev.Hash, Got: h})
			}
			rep.Sealed++
			lastSeq, lastID, lastHash = ev.Seq, ev.ID, ev.Hash
			if err := cps.upTo(ctx, lastSeq, func(cp store.AuditCheckpoint) {
				if cp.Seq == lastSeq {
					checkCP(cp, lastHash, lastID)
				} else {
					checkCP(cp, nil, 0)
				}
			}); err != nil {
				return nil, err
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if lastSeq < head.Seq {
		rep.add(Break{Kind: BreakMissing, Seq: lastSeq + 1, LastSeq: head.Seq, PrevEventID: lastID})
	} else if !bytes.Equal(lastHash, head.Hash) {
		rep.add(Break{Kind: BreakHead, Seq: head.Seq, LastSeq: lastSeq, Want: head.Hash, Got: lastHash})
	}

	// Checkpoints past the head read at the start: signed since (fine, as
	// long as the head has reached them by now), or left behind when events
	// were removed from the end and the head moved back.
	var later []store.AuditCheckpoint
	if err := cps.upTo(ctx, 1<<62, func(cp store.AuditCheckpoint) { later = append(later, cp) }); err != nil {
		return nil, err
	}
	now, err := r.LockAuditHead(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit verify: %w", err)
	}
	if now.Seq < head.Seq {
		rep.add(Break{Kind: BreakHead, Seq: now.Seq, LastSeq: head.Seq, Want: now.Hash, Got: head.Hash})
	}
	// Events sealed past the head: the head was moved back. (A sealer may
	// move the head between the two reads, never back, so read it again.)
	past, err := r.SealedAudit(ctx, now.Seq, 1)
	if err != nil {
		return nil, fmt.Errorf("audit verify: %w", err)
	}
	if len(past) > 0 {
		again, err := r.LockAuditHead(ctx)
		if err != nil {
			return nil, fmt.Errorf("audit verify: %w", err)
		}
		if past[0].Seq > again.Seq {
			rep.add(Break{Kind: BreakHead, Seq: again.Seq, LastSeq: past[0].Seq, EventID: past[0].ID, Want: again.Hash, Got: past[0].Hash})
		}
	}
	for _, cp := range later {
		checkCP(cp, nil, 0)
		if cp.Seq > now.Seq {
			rep.add(Break{Kind: BreakCheckpointBeyond, Seq: cp.Seq, LastSeq: now.Seq, KeyID: cp.KeyID})
		}
	}

	b, err := r.AuditBacklog(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit verify: %w", err)
	}
	rep.Unsealed, rep.OldestUnsealed = b.Unsealed, b.Oldest
	return rep, nil
}

// checkSignature adds a break when cp's signature does not verify, and
// reports whether it does.
func checkSignature(rep *Report, cp store.AuditCheckpoint, keys Keys) bool {
	pub, ok := keys[cp.KeyID]
	if !ok {
		rep.add(Break{Kind: BreakCheckpointKey, Seq: cp.Seq, KeyID: cp.KeyID})
		return false
	}
	if !ed25519.Verify(pub, CheckpointMessage(cp.Seq, cp.Hash, cp.SignedAt, cp.KeyID), cp.Signature) {
		rep.add(Break{Kind: BreakCheckpointSignature, Seq: cp.Seq, KeyID: cp.KeyID})
		return false
	}
	return true
}

// checkpointCursor streams checkpoints in sequence order, a page at a time.
type checkpointCursor struct {
	r     ChainReader
	page  []store.AuditCheckpoint
	after int64
	done  bool
}

// upTo hands fn every checkpoint not handed yet with a sequence number up to
// seq, in order.
func (c *checkpointCursor) upTo(ctx context.Context, seq int64, fn func(store.AuditCheckpoint)) error {
	for {
		if len(c.page) == 0 {
			if c.done {
				return nil
			}
			p, err := c.r.AuditCheckpoints(ctx, c.after, PageSize)
			if err != nil {
				return fmt.Errorf("audit verify: %w", err)
			}
			if len(p) < PageSize {
				c.done = true
			}
			if len(p) == 0 {
				return nil
			}
			c.page = p
			c.after = p[len(p)-1].Seq
		}
		if c.page[0].Seq > seq {
			return nil
		}
		fn(c.page[0])
		c.page = c.page[1:]
	}
}

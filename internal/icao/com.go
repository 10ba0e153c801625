package icao

// dataGroupTags holds the tag of data group n at index n-1 (Doc 9303 Part 10,
// EF.COM tag list). A string, so that it cannot be changed.
const dataGroupTags = "\x61\x75\x63\x76\x65\x66\x67\x68\x69\x6A\x6B\x6C\x6D\x6E\x6F\x70"

// tagCOM starts EF.COM.
const tagCOM = 0x60

// DataGroupTag returns the tag that starts data group n (1 to 16): 0x61 for
// DG1, 0x75 for DG2, 0x6D for DG13 and so on. It reports false for any other
// n.
func DataGroupTag(n int) (byte, bool) {
	if n < 1 || n > len(dataGroupTags) {
		return 0, false
	}
	return dataGroupTags[n-1], true
}

// DataGroupNumber returns the number of the data group that starts with tag,
// the inverse of DataGroupTag. It reports false for a tag that starts no data
// group (EF.COM's 0x60 and EF.SOD's 0x77 among them).
func DataGroupNumber(tag byte) (int, bool) {
	for i := 0; i < len(dataGroupTags); i++ {
		if dataGroupTags[i] == tag {
			return i + 1, true
		}
	}
	return 0, false
}

// COM is EF.COM, the chip's list of the data groups it holds. It is not
// covered by the SOD: use it as a hint, never as proof.
type COM struct {
	// LDSVersion is "aabb": version aa, update level bb ("0107" for LDS 1.7).
	LDSVersion string
	// UnicodeVersion is "aabbcc" ("040000" for Unicode 4.0.0).
	UnicodeVersion string
	// DataGroups are the numbers of the groups in the tag list, in its order.
	DataGroups []int
}

// ParseCOM parses EF.COM: 0x60 { 0x5F01 LDS version, 0x5F36 Unicode version,
// 0x5C tag list }. The three elements are required, each once, in any order;
// the versions must be 4 and 6 digits; every tag in the list must be a data
// group's, and none may repeat.
func ParseCOM(b []byte) (COM, error) {
	fail := func(format string, a ...any) (COM, error) { return COM{}, malformed("ef.com", format, a...) }
	outer, err := readOnly(b)
	if err != nil {
		return fail("%v", err)
	}
	if outer.tag != tagCOM {
		return fail("tag is %X, want 60", outer.tag)
	}
	elems, err := readAll(outer.value)
	if err != nil {
		return fail("%v", err)
	}
	var c COM
	var haveLDS, haveUnicode, haveList bool
	for _, e := range elems {
		switch e.tag {
		case 0x5F01:
			if haveLDS {
				return fail("LDS version appears twice")
			}
			if !digits(e.value, 4) {
				return fail("LDS version %q is not 4 digits", e.value)
			}
			haveLDS, c.LDSVersion = true, string(e.value)
		case 0x5F36:
			if haveUnicode {
				return fail("Unicode version appears twice")
			}
			if !digits(e.value, 6) {
				return fail("Unicode version %q is not 6 digits", e.value)
			}
			haveUnicode, c.UnicodeVersion = true, string(e.value)
		case 0x5C:
			if haveList {
				return fail("tag list appears twice")
			}
			haveList = true
			seen := map[int]bool{}
			c.DataGroups = make([]int, 0, len(e.value))
			for _, t := range e.value {
				n, ok := DataGroupNumber(t)
				if !ok {
					return fail("tag list holds %02X, not a data group", t)
				}
				if seen[n] {
					return fail("tag list names DG%d twice", n)
				}
				seen[n] = true
				c.DataGroups = append(c.DataGroups, n)
			}
		default:
			return fail("unexpected element %X", e.tag)
		}
	}
	switch {
	case !haveLDS:
		return fail("no LDS version (5F01)")
	case !haveUnicode:
		return fail("no Unicode version (5F36)")
	case !haveList:
		return fail("no tag list (5C)")
	}
	return c, nil
}

// BuildCOM encodes EF.COM for an LDS version such as "0107", a Unicode version
// such as "040000" and data-group numbers. A number outside 1–16 is written as
// tag 0x00, which ParseCOM refuses, so that a mistake cannot pass unnoticed.
func BuildCOM(ldsVersion, unicodeVersion string, groups []int) []byte {
	list := make([]byte, len(groups))
	for i, n := range groups {
		list[i], _ = DataGroupTag(n)
	}
	return encode(tagCOM,
		encode(0x5F01, []byte(ldsVersion)),
		encode(0x5F36, []byte(unicodeVersion)),
		encode(0x5C, list))
}

// digits reports whether b is n ASCII digits.
func digits(b []byte, n int) bool {
	if len(b) != n {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

package chipauth

import "fmt"

// Reason says why a chip was refused; each is a stable code shown to
// reviewers and returned by the API.
type Reason string

// Reasons for refusing a chip.
const (
	ReasonSODMalformed       Reason = "sod_malformed"                 // EF.SOD does not parse
	ReasonSODContentType     Reason = "sod_content_type"              // eContentType is not LDSSecurityObject
	ReasonSODAttributes      Reason = "sod_signed_attributes"         // content-type attribute missing or different
	ReasonSODDigest          Reason = "sod_message_digest"            // message digest differs from the content
	ReasonSODSignature       Reason = "sod_signature_invalid"         // the DS key does not verify the signature
	ReasonDSMissing          Reason = "ds_certificate_missing"        // no document signer certificate in EF.SOD
	ReasonDSMalformed        Reason = "ds_certificate_malformed"      // the DS certificate is unusable
	ReasonDSNotValid         Reason = "ds_not_valid"                  // expired or not yet valid at signing time
	ReasonDSKeyUsage         Reason = "ds_key_usage"                  // no digitalSignature key usage
	ReasonDSCriticalExt      Reason = "ds_unknown_critical_extension" // a critical extension we do not know
	ReasonDSCountry          Reason = "ds_country_mismatch"           // DS country is not DG1's issuing state
	ReasonDSUntrusted        Reason = "ds_untrusted"                  // no trusted CSCA signed the DS
	ReasonDSRevoked          Reason = "ds_revoked"                    // the CSCA's CRL lists the DS
	ReasonDGMissing          Reason = "dg_missing"                    // a required data group was not sent
	ReasonDGNotInSOD         Reason = "dg_not_in_sod"                 // a data group the SOD does not cover
	ReasonDGHash             Reason = "dg_hash_mismatch"              // a data group was altered
	ReasonDGMalformed        Reason = "dg_malformed"                  // a data group does not parse
	ReasonAAKeyMissing       Reason = "aa_key_missing"                // no DG15: the chip cannot prove itself
	ReasonAAAlgorithm        Reason = "aa_algorithm_unsupported"      // DG14/DG15 name an unknown scheme
	ReasonAASignature        Reason = "aa_signature_invalid"          // the answer does not sign this challenge
	ReasonAAChallenge        Reason = "aa_challenge_invalid"          // the challenge is not 8 bytes
	ReasonTrustListMalformed Reason = "trust_malformed"               // a trust-list entry does not parse
)

// Failure is a refused chip: a stable reason and a detail for logs and
// reviewers (no personal data).
type Failure struct {
	Reason Reason
	Detail string
}

func (f *Failure) Error() string {
	if f.Detail == "" {
		return "chip refused: " + string(f.Reason)
	}
	return fmt.Sprintf("chip refused: %s: %s", f.Reason, f.Detail)
}

// Is makes errors.Is(err, &Failure{Reason: r}) match on the reason.
func (f *Failure) Is(target error) bool {
	t, ok := target.(*Failure)
	return ok && t.Reason == f.Reason
}

func fail(r Reason, format string, a ...any) *Failure {
	return &Failure{Reason: r, Detail: fmt.Sprintf(format, a...)}
}

// Package presentation issues and verifies short-lived presentations of a
// citizen's e-ID card and wallet documents as SD-JWT VCs, compact enough
// for one QR code.
//
// The app asks the server for a presentation of chosen attributes; the
// server signs it with its issuer key (Issue); the app may drop further
// attributes without the server (Withhold) and shows the result as a QR
// code; a verifier checks it online through the server API or offline with
// the published issuer keys (Verify with JWKS). tools/sdjwt-verify holds an
// independent verifier in JavaScript.
//
// # Format
//
// An SD-JWT (RFC 9901, Selective Disclosure for JWTs) following the SD-JWT
// VC conventions (draft-ietf-oauth-sd-jwt-vc), without key binding:
//
//	<issuer-signed JWT>~<disclosure>~<disclosure>~…~
//
// The issuer-signed JWT is a compact JWS. Its header:
//
//	{"alg":"ES256","kid":"ES-20260301-5f3a9c1e","typ":"dc+sd-jwt"}
//
// alg is ES256, EdDSA (Ed25519) or RS256, as the issuer key is; kid names
// the key in the issuer's JWKS. The payload (spaces added):
//
//	{"iss":"https://id.example.vn/oidc","iat":1772443800,"exp":1772444100,
//	 "jti":"Q2hpYTNLaG9hVGVzdDAx","vct":"urn:vn:vneid:presentation:1",
//	 "_sd_alg":"sha-256","lvl":2,
//	 "docs":[{"kind":"eid","_sd":["082rnJzfZjLzOzAIKy8oUNVkp2zpZqO84FDXuuaR8r8",
//	                              "3FBIkqv0DRylTdVL9hcy8a0QuMj9X714_hExYnZ51XY"]},
//	         {"kind":"driving_licence","_sd":["a_mMTO2R6p5P5wrvMbmWA-N6qP5C2wyvisUluCQkdP8"]}]}
//
// iss, iat, exp (integer seconds), jti, vct, _sd_alg and lvl (the account's
// identification level, 1 or 2) are required; "nonce" (a verifier's nonce
// the presentation is bound to) and "aud" (the verifier it is meant for) are
// optional strings. Each element of "docs" is one document: "kind" is its
// only plain member; every attribute, the document number included, is
// selectively disclosable and appears only as a digest in "_sd". The
// digests of a document are sorted, so their order says nothing about which
// claim a withheld digest stands for. There is no top-level "_sd", no "cnf"
// and no nested or array-element disclosure.
//
// A disclosure is base64url (no padding) of the UTF-8 JSON array
// [salt, claim name, value], the salt being 16 random bytes (128 bits) in
// base64url. For example
//
//	WyJBUUlEQkFVR0J3Z0pDZ3NNRFE0UEVBIiwiaWRfbnVtYmVyIiwiMDAxMTkwMDEyMzQ1Il0
//
// is ["AQIDBAUGBwgJCgsMDQ4PEA","id_number","001190012345"], and its digest,
// base64url(SHA-256(the disclosure's ASCII text)), is
// 082rnJzfZjLzOzAIKy8oUNVkp2zpZqO84FDXuuaR8r8, the first digest of "eid"
// above. Non-ASCII characters stay UTF-8 (not \u escapes): it is shorter.
// Claim names are anything but "", "_sd", "..." and "kind".
//
// # Verification
//
// Verify follows RFC 9901 §7.1 and refuses, with one sentinel error each
// (see Reason for the codes and messages): a malformed serialization
// (ErrMalformed: bad base64url or JSON, wrong typ, vct or _sd_alg, a
// duplicate disclosure, a digest listed twice, a claim disclosed twice in one
// document, a key-binding JWT, over MaxSize bytes or MaxDisclosures
// disclosures); an altered one (ErrSignature: the JWS signature fails, or a
// disclosure's digest is in no _sd array, which is what a changed salt, name
// or value, or an added disclosure, looks like); an unknown kid
// (ErrUnknownKey); an algorithm not allowed or not the key's (ErrAlgorithm,
// "none" and HS* never); another issuer (ErrIssuer); and times out of range
// (ErrExpired, ErrNotYetValid, with 30 s leeway by default). A digest with
// no disclosure is a withheld claim, counted in Verified.Withheld.
//
// # Size
//
// Every disclosable claim costs about 102 bytes before its name and value:
// its digest (61 bytes once the payload is base64url-encoded), its salt and
// JSON framing (40 bytes once the disclosure is), and a "~". A level-2 e-ID
// card with 9 attributes and a driving licence with 5, all disclosed and
// signed with ES256, take about 2,540 bytes: more than a version 40 QR code
// holds at error correction M (2,331 bytes), less than at L (2,953). See
// TestRealisticSize.
package presentation

package presentation_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/presentation"
)

// The server issues, the holder withholds what the verifier need not see,
// and the verifier checks it offline with the published JWKS.
func Example() {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	key := presentation.Key{ID: "ES-20260301-5f3a9c1e", Algorithm: presentation.ES256, Signer: priv}
	now := time.Now()

	// Server: sign the attributes the citizen chose.
	sdjwt, err := presentation.Issue(presentation.Request{
		Issuer: "https://id.example.vn/oidc", ID: "Q2hpYTNLaG9hVGVzdDAx", Level: 2,
		IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute),
		Documents: []presentation.Document{
			{Kind: "eid", Claims: []presentation.Claim{
				{Name: "full_name", Value: "Nguyễn Thị Thanh Hương"},
				{Name: "date_of_birth", Value: "1990-05-17"},
			}},
			{Kind: "driving_licence", Claims: []presentation.Claim{
				{Name: "classes", Value: []string{"A1", "B2"}},
			}},
		},
	}, key, nil)
	if err != nil {
		panic(err)
	}

	// App: keep the date of birth back.
	shown, err := presentation.Withhold(sdjwt, func(kind, claim string) bool { return claim != "date_of_birth" })
	if err != nil {
		panic(err)
	}

	// Verifier: check it against the published keys.
	jwks, err := presentation.MarshalJWKS(key)
	if err != nil {
		panic(err)
	}
	keys, err := presentation.JWKS(jwks)
	if err != nil {
		panic(err)
	}
	v, err := presentation.Verify(shown, keys, presentation.VerifyOptions{Issuer: "https://id.example.vn/oidc"})
	if err != nil {
		code, vi, _ := presentation.Reason(err)
		fmt.Println(code, vi)
		return
	}
	fmt.Println("level", v.Level)
	for _, d := range v.Documents {
		for _, c := range d.Claims {
			fmt.Printf("%s.%s = %v\n", d.Kind, c.Name, c.Value)
		}
	}
	fmt.Println("withheld:", v.Withheld)
	// Output:
	// level 2
	// eid.full_name = Nguyễn Thị Thanh Hương
	// driving_licence.classes = [A1 B2]
	// withheld: map[eid:1]
}

func ExampleReason() {
	err := fmt.Errorf("verify presentation: %w", presentation.ErrExpired)
	code, vi, en := presentation.Reason(err)
	fmt.Println(code)
	fmt.Println(vi)
	fmt.Println(en)
	fmt.Println(errors.Is(err, presentation.ErrExpired))
	// Output:
	// presentation_expired
	// Mã xuất trình đã hết hạn. Vui lòng tạo mã mới.
	// The presentation has expired. Please create a new one.
	// true
}

// Package appclient is a reference client of the VNeID app API: it does what
// the mobile app does (holds a device key, registers, logs in) over real
// HTTP. The `vneid app` commands and the end-to-end tests use it.
package appclient

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Device is the app's device identity: an ID and a P-256 key, as a phone's
// secure enclave would hold.
type Device struct {
	ID       string
	Name     string
	Platform string
	Key      *ecdsa.PrivateKey
}

// NewDevice makes a device with a fresh key.
func NewDevice(name, platform string) (*Device, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("device key: %w", err)
	}
	var id [16]byte
	_, _ = rand.Read(id[:])
	return &Device{ID: hex.EncodeToString(id[:]), Name: name, Platform: platform, Key: k}, nil
}

// LoadOrCreateDevice reads the device from path, or makes and saves one.
func LoadOrCreateDevice(path string) (*Device, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		d, err := NewDevice("vneid-cli", "cli")
		if err != nil {
			return nil, err
		}
		return d, d.Save(path)
	}
	if err != nil {
		return nil, fmt.Errorf("load device: %w", err)
	}
	var f struct {
		ID, Name, Platform, Key string
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("load device %s: %w", path, err)
	}
	blk, _ := pem.Decode([]byte(f.Key))
	if blk == nil {
		return nil, fmt.Errorf("load device %s: no PEM key", path)
	}
	k, err := x509.ParseECPrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("load device %s: %w", path, err)
	}
	return &Device{ID: f.ID, Name: f.Name, Platform: f.Platform, Key: k}, nil
}

// Save writes the device (with its private key) to path, readable only by
// its owner.
func (d *Device) Save(path string) error {
	der, err := x509.MarshalECPrivateKey(d.Key)
	if err != nil {
		return fmt.Errorf("save device: %w", err)
	}
	b, _ := json.MarshalIndent(map[string]string{"ID": d.ID, "Name": d.Name, "Platform": d.Platform,
		"Key": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))}, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save device: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("save device: %w", err)
	}
	return nil
}

// PublicKey returns the device's public key as base64 PKIX DER.
func (d *Device) PublicKey() string {
	der, _ := x509.MarshalPKIXPublicKey(&d.Key.PublicKey)
	return base64.StdEncoding.EncodeToString(der)
}

// Sign signs msg with the device key (ECDSA P-256, SHA-256, DER), base64.
func (d *Device) Sign(msg []byte) (string, error) {
	sum := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, d.Key, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// Problem is an RFC 9457 problem returned by the server.
type Problem struct {
	Status     int      `json:"status"`
	Code       string   `json:"code"`
	Title      string   `json:"title"`
	Fields     []string `json:"fields"`
	Reason     string   `json:"reason"`
	RetryAfter int      `json:"retry_after"`
	Messages   struct {
		VI string `json:"vi"`
		EN string `json:"en"`
	} `json:"messages"`
	RequestID string `json:"request_id"`
}

// Error returns the code and the Vietnamese message.
func (p *Problem) Error() string {
	msg := p.Messages.VI
	if msg == "" {
		msg = p.Title
	}
	if len(p.Fields) > 0 {
		msg += " [" + strings.Join(p.Fields, ", ") + "]"
	}
	if p.Reason != "" {
		msg += " (" + p.Reason + ")"
	}
	return fmt.Sprintf("%s (%d): %s", p.Code, p.Status, msg)
}

// Client talks to a vneid server as the app.
type Client struct {
	BaseURL string
	HTTP    *http.Client
	Device  *Device
	// Token is the session token after Login.
	Token string
	// Lang is sent as Accept-Language ("vi" by default).
	Lang string
	// WalletToken opens the wallet after Unlock (X-Wallet-Token).
	WalletToken string
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.WalletToken != "" {
		req.Header.Set("X-Wallet-Token", c.WalletToken)
	}
	lang := c.Lang
	if lang == "" {
		lang = "vi"
	}
	req.Header.Set("Accept-Language", lang)
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode >= 400 {
		p := &Problem{Status: resp.StatusCode}
		if err := json.Unmarshal(data, p); err != nil || p.Code == "" {
			return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
		}
		return p
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// Address is a structured address as the API returns it.
type Address struct {
	HouseNumber string `json:"house_number"`
	Street      string `json:"street"`
	Hamlet      string `json:"hamlet"`
	Commune     string `json:"commune"`
	District    string `json:"district"`
	Province    string `json:"province"`
	Full        string `json:"full"`
}

// Citizen is the confirmation / profile view of a citizen.
type Citizen struct {
	IDNumber         string  `json:"id_number"`
	Phone            string  `json:"phone"`
	FullName         string  `json:"full_name"`
	Gender           string  `json:"gender"`
	GenderVI         string  `json:"gender_vi"`
	DateOfBirth      string  `json:"date_of_birth"`
	PermanentAddress Address `json:"permanent_address"`
	Card             *struct {
		Number     string `json:"number"`
		Chip       bool   `json:"chip"`
		IssueDate  string `json:"issue_date"`
		ExpiryDate string `json:"expiry_date"`
	} `json:"card"`
}

// Account is the account view.
type Account struct {
	ID       string `json:"id"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone"`
	State    string `json:"state"`
	Level    int    `json:"level"`
}

// Start begins a registration and returns its ID.
func (c *Client) Start(ctx context.Context, idNumber, phone string) (string, error) {
	var out struct {
		RegistrationID string `json:"registration_id"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/app/registrations", map[string]any{"id_number": idNumber, "phone": phone,
		"device": map[string]string{"id": c.Device.ID, "public_key": c.Device.PublicKey(), "name": c.Device.Name,
			"platform": c.Device.Platform}}, &out)
	return out.RegistrationID, err
}

// SubmitQR sends the scanned QR payload and returns what to confirm.
func (c *Client) SubmitQR(ctx context.Context, regID, payload string) (Citizen, error) {
	var out struct {
		Confirmation Citizen `json:"confirmation"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/app/registrations/"+regID+"/qr", map[string]string{"payload": payload}, &out)
	return out.Confirmation, err
}

// OTPSent says where the code went.
type OTPSent struct {
	PhoneMasked  string    `json:"phone_masked"`
	OTPExpiresAt time.Time `json:"otp_expires_at"`
	ResendAt     time.Time `json:"resend_at"`
}

// Confirm confirms the details; the server sends an SMS code.
func (c *Client) Confirm(ctx context.Context, regID string) (OTPSent, error) {
	var out OTPSent
	err := c.do(ctx, http.MethodPost, "/api/v1/app/registrations/"+regID+"/confirm", nil, &out)
	return out, err
}

// ResendOTP asks for a new code.
func (c *Client) ResendOTP(ctx context.Context, regID string) (OTPSent, error) {
	var out OTPSent
	err := c.do(ctx, http.MethodPost, "/api/v1/app/registrations/"+regID+"/otp/resend", nil, &out)
	return out, err
}

// VerifyOTP sends the code from the SMS.
func (c *Client) VerifyOTP(ctx context.Context, regID, otp string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/app/registrations/"+regID+"/otp/verify", map[string]string{"otp": otp}, nil)
}

// SetPassword sets the password, proving the device key, and returns the
// new account.
func (c *Client) SetPassword(ctx context.Context, regID, password string) (Account, error) {
	sig, err := c.Device.Sign([]byte("vneid-register\n" + regID))
	if err != nil {
		return Account{}, err
	}
	var out struct {
		Account Account `json:"account"`
	}
	err = c.do(ctx, http.MethodPost, "/api/v1/app/registrations/"+regID+"/password",
		map[string]string{"password": password, "device_signature": sig}, &out)
	return out.Account, err
}

// Login gets a challenge, signs it with the device key and logs in; the
// token is kept in c.Token.
func (c *Client) Login(ctx context.Context, idNumber, password string) (Account, error) {
	var ch struct {
		Challenge string `json:"challenge"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/app/login/challenge", map[string]string{"device_id": c.Device.ID}, &ch); err != nil {
		return Account{}, err
	}
	sig, err := c.Device.Sign([]byte("vneid-login\n" + ch.Challenge + "\n" + idNumber))
	if err != nil {
		return Account{}, err
	}
	var out struct {
		AccessToken string  `json:"access_token"`
		Account     Account `json:"account"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/app/login", map[string]string{"id_number": idNumber, "password": password,
		"device_id": c.Device.ID, "challenge": ch.Challenge, "signature": sig}, &out); err != nil {
		return Account{}, err
	}
	c.Token = out.AccessToken
	return out.Account, nil
}

// Me returns the logged-in citizen's account and e-ID details.
func (c *Client) Me(ctx context.Context) (Account, Citizen, error) {
	var out struct {
		Account Account `json:"account"`
		Citizen Citizen `json:"citizen"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/app/me", nil, &out)
	return out.Account, out.Citizen, err
}

// Logout ends the session.
func (c *Client) Logout(ctx context.Context) error {
	err := c.do(ctx, http.MethodPost, "/api/v1/app/logout", nil, nil)
	if err == nil {
		c.Token = ""
	}
	return err
}

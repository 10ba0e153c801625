package appclient

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"time"
)

// BoundDevice is the device bound to the account.
type BoundDevice struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Platform string    `json:"platform"`
	BoundAt  time.Time `json:"bound_at"`
}

// DeviceChange is a pending device change as the new device sees it.
type DeviceChange struct {
	ID          string    `json:"id"`
	ExpiresAt   time.Time `json:"expires_at"`
	CodeTo      string    `json:"code_to"` // "old_device" or "sms"
	PhoneMasked string    `json:"phone_masked"`
}

// PendingDeviceChange is what the old device shows.
type PendingDeviceChange struct {
	ID             string    `json:"id"`
	Code           string    `json:"code"`
	DeviceName     string    `json:"device_name"`
	DevicePlatform string    `json:"device_platform"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// Devices lists the device bound to the logged-in account.
func (c *Client) Devices(ctx context.Context) ([]BoundDevice, error) {
	var out struct {
		Devices []BoundDevice `json:"devices"`
	}
	err := c.do(ctx, http.MethodGet, "/api/v1/app/devices", nil, &out)
	return out.Devices, err
}

// UnlinkDevice unlinks a device with the account's password; every session
// ends.
func (c *Client) UnlinkDevice(ctx context.Context, id, password string) error {
	err := c.do(ctx, http.MethodDelete, "/api/v1/app/devices/"+url.PathEscape(id), map[string]string{"password": password}, nil)
	if err == nil {
		c.Token = ""
	}
	return err
}

// StartDeviceChange asks to move the account to c.Device.
func (c *Client) StartDeviceChange(ctx context.Context, idNumber, password string) (DeviceChange, error) {
	var out DeviceChange
	err := c.do(ctx, http.MethodPost, "/api/v1/app/devices/change", map[string]any{"id_number": idNumber, "password": password,
		"device": map[string]string{"id": c.Device.ID, "public_key": c.Device.PublicKey(), "name": c.Device.Name, "platform": c.Device.Platform}}, &out)
	return out, err
}

// PendingDeviceChange returns, on the bound device, the code of a pending
// change.
func (c *Client) PendingDeviceChange(ctx context.Context) (PendingDeviceChange, error) {
	var out PendingDeviceChange
	err := c.do(ctx, http.MethodGet, "/api/v1/app/devices/change/pending", nil, &out)
	return out, err
}

// ConfirmDeviceChange sends the code with c.Device's signature over a fresh
// challenge; the device is bound and can log in.
func (c *Client) ConfirmDeviceChange(ctx context.Context, changeID, code string) (BoundDevice, error) {
	var ch struct {
		Challenge string `json:"challenge"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/app/login/challenge", map[string]string{"device_id": c.Device.ID}, &ch); err != nil {
		return BoundDevice{}, err
	}
	sig, err := c.Device.Sign([]byte("vneid-device-change\n" + ch.Challenge + "\n" + changeID))
	if err != nil {
		return BoundDevice{}, err
	}
	var out struct {
		Device BoundDevice `json:"device"`
	}
	err = c.do(ctx, http.MethodPost, "/api/v1/app/devices/change/"+url.PathEscape(changeID)+"/confirm",
		map[string]string{"code": code, "challenge": ch.Challenge, "device_signature": sig}, &out)
	return out.Device, err
}

// ChipDeviceChange is a pending device change by the chip as the new
// device sees it.
type ChipDeviceChange struct {
	ID          string
	ExpiresAt   time.Time
	PhoneMasked string // where the code went by SMS
	// ChipChallenge is what the chip signs (INTERNAL AUTHENTICATE).
	ChipChallenge []byte
	Notes         map[string][]string
}

// StartDeviceChangeByChip asks to move the account to c.Device when the
// old device is lost: the code comes by SMS and the chip must sign
// ChipChallenge.
func (c *Client) StartDeviceChangeByChip(ctx context.Context, idNumber, password string) (ChipDeviceChange, error) {
	var out struct {
		ID            string              `json:"id"`
		ExpiresAt     time.Time           `json:"expires_at"`
		PhoneMasked   string              `json:"phone_masked"`
		ChipChallenge string              `json:"chip_challenge"`
		Notes         map[string][]string `json:"notes"`
	}
	err := c.do(ctx, http.MethodPost, "/api/v1/app/devices/change/chip", map[string]any{"id_number": idNumber, "password": password,
		"device": map[string]string{"id": c.Device.ID, "public_key": c.Device.PublicKey(), "name": c.Device.Name, "platform": c.Device.Platform}}, &out)
	if err != nil {
		return ChipDeviceChange{}, err
	}
	ch, err := base64.StdEncoding.DecodeString(out.ChipChallenge)
	if err != nil {
		return ChipDeviceChange{}, err
	}
	return ChipDeviceChange{ID: out.ID, ExpiresAt: out.ExpiresAt, PhoneMasked: out.PhoneMasked, ChipChallenge: ch, Notes: out.Notes}, nil
}

// CompleteDeviceChangeByChip sends the SMS code, c.Device's signature over
// a fresh login challenge, and the chip files with the chip's answer to the
// change's challenge; the device is bound and can log in.
func (c *Client) CompleteDeviceChangeByChip(ctx context.Context, changeID, code string, files map[string][]byte, aaSignature []byte) (BoundDevice, error) {
	var ch struct {
		Challenge string `json:"challenge"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/app/login/challenge", map[string]string{"device_id": c.Device.ID}, &ch); err != nil {
		return BoundDevice{}, err
	}
	sig, err := c.Device.Sign([]byte("vneid-device-change\n" + ch.Challenge + "\n" + changeID))
	if err != nil {
		return BoundDevice{}, err
	}
	enc := base64.StdEncoding.EncodeToString
	f := map[string]string{}
	for k, v := range files {
		f[k] = enc(v)
	}
	var out struct {
		Device BoundDevice `json:"device"`
	}
	err = c.do(ctx, http.MethodPost, "/api/v1/app/devices/change/chip/"+url.PathEscape(changeID)+"/complete",
		map[string]any{"code": code, "challenge": ch.Challenge, "device_signature": sig, "files": f, "aa_signature": enc(aaSignature)}, &out)
	return out.Device, err
}

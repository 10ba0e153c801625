package notify

import (
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// Templates of e-ID results.
const (
	TemplateEIDApproved = "eid_approved"
	TemplateEIDRejected = "eid_rejected"
)

// DefaultPortalURL is the address the approval notice names.
const DefaultPortalURL = "https://vneid.gov.vn"

// EIDApprovedMessage returns the approval SMS, word for word as the
// Ministry's guidance (letter 1809/VKSTC-C2, 2023) quotes it, with the full
// name without diacritics in place of "****". The guidance's spelling
// ("Để nghị", "VNNeID") is kept as published; portalURL replaces the
// address only when a deployment has its own.
func EIDApprovedMessage(phone, asciiName, portalURL string, now time.Time) store.OutboxMessage {
	if portalURL == "" {
		portalURL = DefaultPortalURL
	}
	return store.OutboxMessage{
		Channel: SMS, Recipient: phone, Template: TemplateEIDApproved, CreatedAt: now,
		Body: fmt.Sprintf("Cục Cảnh sát QLHC về TTXH thông báo: Hồ sơ đăng ký tài khoản định danh điện tử của công dân %s đã được phê duyệt. Để nghị truy cập ứng dụng VNNeID hoặc địa chỉ %s để kích hoạt tài khoản.",
			asciiName, portalURL),
	}
}

// EIDRejectedMessage returns the SMS that tells a citizen their e-ID
// application was not approved, with the reason's label (never the
// officer's free text, which may hold personal data).
func EIDRejectedMessage(phone, asciiName, reason string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{
		Channel: SMS, Recipient: phone, Template: TemplateEIDRejected, CreatedAt: now,
		Body: fmt.Sprintf("Cục Cảnh sát QLHC về TTXH thông báo: Hồ sơ đăng ký tài khoản định danh điện tử của công dân %s chưa được phê duyệt. Lý do: %s. Đề nghị truy cập ứng dụng VNeID để xem chi tiết.",
			asciiName, reason),
	}
}

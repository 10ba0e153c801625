package notify

import (
	"cmp"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// Templates of e-ID results and account locks.
const (
	TemplateEIDApproved   = "eid_approved"
	TemplateEIDRejected   = "eid_rejected"
	TemplateAccountLocked = "account_locked"
	TemplateAccountUnlock = "account_unlocked"
	TemplatePasswordReset = "password_reset"
	TemplatePasscodeReset = "wallet_passcode_reset"
	// TemplatePasswordChanged: the holder changed the password while signed in.
	TemplatePasswordChanged = "password_changed"
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

// EIDApprovedEmail is the approval notice by email: the same words as the
// SMS, with an English translation.
func EIDApprovedEmail(email, asciiName, portalURL string, now time.Time) store.OutboxMessage {
	m := EIDApprovedMessage(email, asciiName, portalURL, now)
	m.Channel = Email
	m.Body += "\n\n---\nThe Police Department for Administrative Management of Social Order: the e-ID account application of citizen " +
		asciiName + " has been approved. Please open the VNeID app or " + cmp.Or(portalURL, DefaultPortalURL) + " to activate the account within 7 days."
	return m
}

// EIDRejectedEmail is the rejection notice by email, with the officer's
// explanation (email is not shown on a lock screen as an SMS is).
func EIDRejectedEmail(email, asciiName, reasonVI, reasonEN, text string, now time.Time) store.OutboxMessage {
	m := EIDRejectedMessage(email, asciiName, reasonVI, now)
	m.Channel = Email
	m.Body += "\nNội dung: " + text + "\n\n---\nThe e-ID account application of citizen " + asciiName +
		" was not approved. Reason: " + reasonEN + ". Explanation: " + text + "\nOpen the VNeID app for details."
	return m
}

// AccountLockedMessage tells a holder by SMS that their account was locked
// and on what ground (its label, never an officer's free text).
func AccountLockedMessage(phone, groundVI string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{Channel: SMS, Recipient: phone, Template: TemplateAccountLocked, CreatedAt: now,
		Body: "VNeID thông báo: Tài khoản định danh điện tử của bạn đã bị khóa. Lý do: " + groundVI +
			". Nếu không phải bạn yêu cầu, vui lòng liên hệ cơ quan Công an hoặc tổng đài 1900 0368."}
}

// AccountUnlockedMessage tells a holder by SMS that their account is usable
// again.
func AccountUnlockedMessage(phone string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{Channel: SMS, Recipient: phone, Template: TemplateAccountUnlock, CreatedAt: now,
		Body: "VNeID thông báo: Tài khoản định danh điện tử của bạn đã được mở khóa."}
}

// PasswordResetMessage tells a holder by SMS that their password was reset
// with a code and every login session ended.
func PasswordResetMessage(phone string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{Channel: SMS, Recipient: phone, Template: TemplatePasswordReset, CreatedAt: now,
		Body: "VNeID thông báo: Mật khẩu tài khoản định danh điện tử của bạn đã được đặt lại; các phiên đăng nhập đã kết thúc." +
			" Nếu không phải bạn thực hiện, vui lòng khóa tài khoản trên ứng dụng VNeID hoặc liên hệ tổng đài 1900 0368."}
}

// PasswordChangedMessage tells a holder by SMS that their password was
// changed by a signed-in holder and every login session ended.
func PasswordChangedMessage(phone string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{Channel: SMS, Recipient: phone, Template: TemplatePasswordChanged, CreatedAt: now,
		Body: "VNeID thông báo: Mật khẩu tài khoản định danh điện tử của bạn đã được thay đổi; các phiên đăng nhập đã kết thúc." +
			" Nếu không phải bạn thực hiện, vui lòng khóa tài khoản trên ứng dụng VNeID hoặc liên hệ tổng đài 1900 0368."}
}

// PasscodeResetMessage tells a holder by SMS that their wallet passcode was
// reset with a code.
func PasscodeResetMessage(phone string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{Channel: SMS, Recipient: phone, Template: TemplatePasscodeReset, CreatedAt: now,
		Body: "VNeID thông báo: Mã bảo vệ (passcode) ví giấy tờ của bạn đã được đặt lại." +
			" Nếu không phải bạn thực hiện, vui lòng khóa tài khoản trên ứng dụng VNeID hoặc liên hệ tổng đài 1900 0368."}
}

// EmailSubject returns the subject line of a template's email.
func EmailSubject(template string) string {
	switch template {
	case TemplateEIDApproved:
		return "Hồ sơ định danh điện tử đã được phê duyệt / e-ID application approved"
	case TemplateEIDRejected:
		return "Hồ sơ định danh điện tử chưa được phê duyệt / e-ID application not approved"
	}
	return DefaultSubject(template)
}

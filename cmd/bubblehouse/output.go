package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/bubblehouse-go/bubblehouse"
)

// The tables are for people. Every string from the API goes through cell,
// which removes control characters: a customer's name is data typed by a
// stranger, and must not be able to move the cursor or rewrite the screen of
// the support agent reading it. Scripts should use --json.

// table writes aligned columns.
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer) *table {
	return &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
}

// row writes one row; each value is cleaned.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			_, _ = io.WriteString(t.tw, "\t")
		}
		_, _ = io.WriteString(t.tw, cell(c))
	}
	_, _ = io.WriteString(t.tw, "\n")
}

// kv writes a key-value row, or nothing when the value is empty.
func (t *table) kv(key, value string) {
	if value != "" {
		t.row(key, value)
	}
}

func (t *table) flush() error {
	if err := t.tw.Flush(); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	return nil
}

// cell makes an API string safe and one line for a table or an error line:
// control characters (newlines and escapes included) and invisible format
// characters become spaces.
func cell(s string) string {
	return strings.Map(func(r rune) rune {
		// Cf holds the invisible format characters, such as the bidi
		// overrides that can make text read backwards.
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
}

// money shows an amount with at least two decimals: "18.50", "0.1234".
func money(m bubblehouse.Money) string {
	s := m.String()
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = strings.TrimRight(s, "0")
		if len(s)-i-1 < 2 {
			s += strings.Repeat("0", 2-(len(s)-i-1))
		}
	}
	return s
}

func moneyPtr(m *bubblehouse.Money) string {
	if m == nil {
		return ""
	}
	return money(*m)
}

func day(t bubblehouse.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func stamp(t bubblehouse.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 MST")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func signed(n int64) string {
	if n > 0 {
		return "+" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func fullName(c *bubblehouse.Customer2) string {
	switch {
	case c.FullName != "":
		return c.FullName
	case c.FirstName != "" || c.LastName != "":
		return strings.TrimSpace(c.FirstName + " " + c.LastName)
	}
	return c.Name
}

func writeDetails(w io.Writer, c *bubblehouse.Customer2) error {
	t := newTable(w)
	t.kv("Name", fullName(c))
	t.kv("Email", c.Email)
	t.kv("Other emails", strings.Join(c.AltEmails, ", "))
	t.kv("Shop ID", c.ID)
	t.kv("BHID", c.BHID.String())
	t.kv("Phone", c.Phone)
	t.kv("Tags", strings.Join(c.Tags, ", "))
	t.kv("Birthday", c.Birthday.String())
	t.kv("Anniversary", c.Anniversary.String())
	t.kv("Signed up", stamp(c.SignedUpAt))
	t.row("Orders", strconv.FormatInt(c.OrderCount, 10))
	t.row("Total spent", money(c.TotalSpent))
	t.row("Loyalty opt-in", yesNo(c.Optin))
	t.kv("Referral code", c.PersonalReferralCode)
	t.kv("Email marketing", string(c.EmailMarketingConsent))
	t.kv("SMS marketing", string(c.SMSMarketingConsent))
	t.kv("Email verified", string(c.EmailVerified))
	if len(c.Extras) > 0 {
		keys := make([]string, 0, len(c.Extras))
		for k := range c.Extras {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			v := string(c.Extras[k])
			if s := str(c.Extras[k]); s != "" {
				v = s
			}
			t.row("Extra "+k, v)
		}
	}
	return t.flush()
}

func writeHistory(w io.Writer, h *bubblehouse.CustomerHistory2Output) error {
	if len(h.Changes) == 0 {
		_, err := io.WriteString(w, "No history entries.\n")
		return err
	}
	t := newTable(w)
	t.row("WHEN", "TYPE", "POINTS", "ORDER", "CODE", "DESCRIPTION")
	var earned, spent int64
	for i := range h.Changes {
		ch := &h.Changes[i]
		when := ""
		if at, ok := ch.ID.Time(); ok {
			when = at.UTC().Format("2006-01-02 15:04")
		}
		pts := ""
		if ch.AffectsPoints() {
			pts = signed(ch.PtsDelta)
			if ch.PtsDelta > 0 {
				earned += ch.PtsDelta
			} else {
				spent -= ch.PtsDelta
			}
		}
		typ := string(ch.Type)
		if ch.Area != bubblehouse.ChangeAreaPoints {
			typ = string(ch.Area) + "/" + typ
		}
		desc := ch.Desc
		if ch.Hidden {
			desc += " (hidden)"
		}
		t.row(when, typ, pts, ch.OrderShort, ch.DiscountCode, desc)
	}
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d entries; points: +%d earned, -%d spent or lost\n", len(h.Changes), earned, spent)
	return err
}

func writeBalance(w io.Writer, b *bubblehouse.CustomerBalanceResult3, full bool) error {
	t := newTable(w)
	t.row("Points available", withValue(b.PtsAvailable, b.PtsAvailableValue))
	t.row("Points pending", withValue(b.PtsPending, b.PtsPendingValue))
	t.row("Points earned", strconv.FormatInt(b.PtsEarned, 10))
	t.row("Points redeemed", strconv.FormatInt(b.PtsRedeemed, 10))
	t.row("Points expired", strconv.FormatInt(b.PtsExpired, 10))
	t.row("Total spend", money(b.TotalSpend))
	t.row("Upgrade spend", money(b.UpgradeSpend))
	if b.LoyaltyAnniversaryDay.Valid() {
		t.row("Member since", b.LoyaltyAnniversaryDay.String())
	}
	t.kv("Points expire", day(b.PtsGlobalExpiration))
	if b.CurTier != nil {
		t.row("Tier", tierLine(b.CurTier))
	} else {
		t.row("Tier", "none")
	}
	if b.NextTier != nil {
		t.row("Next tier", nextTierLine(b.NextTier))
	}
	if l, src := b.EffectiveRedemptionLimit(); l != nil {
		t.row("Redemption limit", fmt.Sprintf("%d of %d points left (%s, %s)", l.Remaining, l.Total, l.Period, src))
	}
	if st := b.ReferralStats; st != nil {
		t.row("Referrals", fmt.Sprintf("%d sent, %d approved, %d rejected, %d points earned", st.Sent, st.Approved, st.Rejected, st.EarnedPts))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if !full {
		return nil
	}
	return writeProgram(w, b)
}

func withValue(pts int64, value *bubblehouse.Money) string {
	s := strconv.FormatInt(pts, 10)
	if value != nil {
		s += " (worth " + money(*value) + ")"
	}
	return s
}

func tierLine(t *bubblehouse.TierStatus3) string {
	s := t.Name
	if e := t.Expiration; e != nil && !e.Deadline.IsZero() {
		s += fmt.Sprintf("; until %s, then %s", day(e.Deadline), e.DowngradedTierName)
		if e.KeepReqs.ExtraDesc != "" {
			s += ": " + e.KeepReqs.ExtraDesc
		}
	}
	return s
}

func nextTierLine(t *bubblehouse.TierStatus3) string {
	s := t.Name
	if t.Reqs.ExtraDesc != "" {
		s += ": " + t.Reqs.ExtraDesc
	}
	if t.Reqs.Progress > 0 {
		s += fmt.Sprintf(" (%d%%)", t.Reqs.Progress/100)
	}
	return s
}

// writeProgram writes the parts of the balance that --full adds.
func writeProgram(w io.Writer, b *bubblehouse.CustomerBalanceResult3) error {
	if len(b.Tiers) > 0 {
		fmt.Fprintf(w, "\nTiers:\n")
		t := newTable(w)
		t.row("TIER", "NEEDS", "LIMIT", "PERKS")
		for i := range b.Tiers {
			tier := &b.Tiers[i]
			var needs []string
			if tier.Reqs.ThresholdPts > 0 {
				needs = append(needs, fmt.Sprintf("%d points", tier.Reqs.ThresholdPts))
			}
			if !tier.Reqs.ThresholdSpend.IsZero() {
				needs = append(needs, "spend "+money(tier.Reqs.ThresholdSpend))
			}
			needs = append(needs, tier.Reqs.ThresholdEvents...)
			limit := ""
			if l := tier.RedemptionLimit; l != nil {
				limit = fmt.Sprintf("%d/%s", l.Total, l.Period)
			}
			var perks []string
			for _, f := range tier.Features {
				perks = append(perks, f.Title+": "+f.Value)
			}
			t.row(tier.Name, orDash(strings.Join(needs, " or ")), orDash(limit), strings.Join(perks, ", "))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(b.Offers) > 0 {
		fmt.Fprintf(w, "\nOffers:\n")
		t := newTable(w)
		t.row("ID", "TITLE", "POINTS", "AVAILABLE", "SECTION")
		for i := range b.Offers {
			o := &b.Offers[i]
			t.row(o.ID, o.Title, strconv.FormatInt(o.Points, 10), yesNo(o.Available), o.Section)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(b.Sources) > 0 {
		fmt.Fprintf(w, "\nWays to earn:\n")
		t := newTable(w)
		t.row("TITLE", "SLUG", "DONE", "CAN DO")
		for i := range b.Sources {
			s := &b.Sources[i]
			slug := ""
			if len(s.Slugs) > 0 {
				slug = s.Slugs[0]
			}
			t.row(s.Title, slug, yesNo(s.IsCompleted), yesNo(s.CanComplete))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(b.Milestones) > 0 {
		fmt.Fprintf(w, "\nMilestones:\n")
		t := newTable(w)
		t.row("NAME", "CYCLE")
		for i := range b.Milestones {
			m := &b.Milestones[i]
			cycle := ""
			if m.Cycle > 0 {
				cycle = strconv.FormatInt(m.Cycle, 10)
			}
			t.row(m.Name, orDash(cycle))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	return writeUnusedRewards(w, b.UnusedRewards)
}

// writeUnusedRewards lists unused_rewards, whose element type the API does
// not document: the usual keys are shown when they are strings, and --json
// has the rest.
func writeUnusedRewards(w io.Writer, raw json.RawMessage) error {
	if len(raw) == 0 {
		return nil
	}
	var items []map[string]json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		_, err := fmt.Fprintf(w, "\nUnused rewards: in an unexpected shape; see --json\n")
		return err
	}
	if len(items) == 0 {
		_, err := fmt.Fprintf(w, "\nUnused rewards: none\n")
		return err
	}
	fmt.Fprintf(w, "\nUnused rewards:\n")
	t := newTable(w)
	t.row("TITLE", "CODE", "EXPIRES")
	for _, it := range items {
		expires := str(it["expires_at"])
		if tm, err := bubblehouse.ParseTime(expires); err == nil {
			expires = day(tm)
		}
		t.row(orDash(str(it["title"])), orDash(str(it["code"])), orDash(expires))
	}
	return t.flush()
}

// str returns raw as a string if it is a JSON string, else "".
func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeReferrals(w io.Writer, r *bubblehouse.CustomerReferrals2Output) error {
	if st, _, err := r.ReferralStats(); err == nil && st != nil {
		fmt.Fprintf(w, "%d sent, %d approved, %d rejected, %d points earned\n\n", st.Sent, st.Approved, st.Rejected, st.EarnedPts)
	}
	if len(r.Referrals) == 0 {
		_, err := io.WriteString(w, "No referrals.\n")
		return err
	}
	t := newTable(w)
	t.row("SENT", "STATUS", "CHANNEL", "DESTINATION", "ACCEPTED", "REWARD", "COUPON")
	for i := range r.Referrals {
		ref := &r.Referrals[i]
		var reward []string
		if ref.RewardPts != nil {
			pts := fmt.Sprintf("%d points", *ref.RewardPts)
			if ref.RewardPtsValue != nil {
				pts += " (" + money(*ref.RewardPtsValue) + ")"
			}
			reward = append(reward, pts)
		}
		if ref.RewardAmount != nil {
			reward = append(reward, moneyPtr(ref.RewardAmount))
		}
		t.row(day(ref.SentAt), string(ref.Status), string(ref.Channel), orDash(ref.Destination),
			orDash(day(ref.AcceptedAt)), orDash(strings.Join(reward, ", ")), orDash(ref.CouponCode))
	}
	return t.flush()
}

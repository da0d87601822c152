package bubblehousetest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bubblehouse-go/bubblehouse"
)

// The demo data set of WithDemoData: a small shop with three tiers (Silver,
// Gold, Platinum), offers, ways to earn, and four customers with 2025's
// history:
//
//   - Alice (DemoCustomerEmail, DemoCustomerShopID, DemoCustomerBHID): Gold,
//     the full program, an unused reward, four referrals and a busy year;
//   - Bob (bob@example.com, also old.email@example.com; shop-customer-456):
//     Silver, referred by Alice;
//   - Carol (carol@example.com; shop-customer-789): signed up, no order yet;
//   - Dave (dave@example.net): imported, known by email only (no shop ID).
//
// Details, balances and referrals are JSON (demo_data.json, the API's own
// format, decoded into the SDK's types); histories are built below.
const (
	// DemoShop is the demo shop's slug, and the default shop of a Server.
	DemoShop = "demo-shop"
	// DemoCustomerEmail is the email of the demo's main customer, Alice.
	DemoCustomerEmail = "alice@example.com"
	// DemoCustomerShopID is Alice's customer ID in the shop.
	DemoCustomerShopID = "shop-customer-123"
	// DemoCustomerBHID is Alice's Bubblehouse ID.
	DemoCustomerBHID = "0000018abc123def"
)

//go:embed demo_data.json
var demoJSON []byte

// DemoCustomers returns a fresh copy of the demo data set, to seed a server
// with AddCustomer (WithDemoData does it) or to compare answers against.
func DemoCustomers() []Customer {
	var seeds []struct {
		Details   bubblehouse.Customer2              `json:"details"`
		Balance   bubblehouse.CustomerBalanceResult3 `json:"balance"`
		Referrals []bubblehouse.Referral2            `json:"referrals"`
	}
	if err := json.Unmarshal(demoJSON, &seeds); err != nil {
		return nil // covered by the package's tests; cannot happen
	}
	out := make([]Customer, len(seeds))
	for i, sd := range seeds {
		out[i] = Customer{Details: sd.Details, Balance: sd.Balance, Referrals: sd.Referrals}
		out[i].History = demoHistory(sd.Details)
	}
	return out
}

// demoEntry is one history entry of the demo, before it becomes a Change2.
type demoEntry struct {
	day   string // 2006-01-02
	typ   bubblehouse.ChangeType
	pts   int64
	order string
	code  string
	desc  string
}

var demoHistories = map[string][]demoEntry{
	DemoCustomerEmail: {
		{"2025-01-06", bubblehouse.ChangeTypeEarnedFromOrder, 180, "1041", "", "Earned 180 points for order #1041"},
		{"2025-01-20", bubblehouse.ChangeTypeEarnedFromOrder, 220, "1052", "", "Earned 220 points for order #1052"},
		{"2025-02-05", bubblehouse.ChangeTypeEarnedAsReferrer, 500, "", "", "Earned 500 points for referring Bob"},
		{"2025-02-18", bubblehouse.ChangeTypeRedeemedTowardsOrder, -1000, "1077", "BH-10OFF-A1B2", "Redeemed 1,000 points for $10 off order #1077"},
		{"2025-04-11", bubblehouse.ChangeTypeEarnedFromOrder, 640, "1112", "", "Earned 640 points for order #1112"},
		{"2025-04-11", bubblehouse.ChangeTypeTierAcquired, 0, "1112", "", "Reached Gold"},
		{"2025-05-15", bubblehouse.ChangeTypeBirthdayGift, 200, "", "", "Happy birthday! 200 points"},
		{"2025-06-11", bubblehouse.ChangeTypeEarnedAsReferrer, 500, "", "", "Earned 500 points for referring Dana"},
		{"2025-06-30", bubblehouse.ChangeTypePointsExpired, -150, "", "", "150 points expired"},
		{"2025-07-08", bubblehouse.ChangeTypeEarnedFromOrder, 1020, "1160", "", "Earned 1,020 points for order #1160 (Gold: 2x)"},
		{"2025-07-21", bubblehouse.ChangeTypeRedeemedTowardsOrder, -1000, "1171", "BH-10OFF-C3D4", "Redeemed 1,000 points for $10 off order #1171"},
		{"2025-08-30", bubblehouse.ChangeTypeEarnedFromOrder, 460, "1198", "", "Earned 460 points for order #1198"},
		{"2025-10-03", bubblehouse.ChangeTypeEarnedFromOrder, 560, "1220", "", "Earned 560 points for order #1220"},
		{"2025-11-15", bubblehouse.ChangeTypeVendibleRedemption, -1000, "", "BH-10OFF-7Q2K", "Redeemed 1,000 points for a $10 off code"},
		{"2025-12-01", bubblehouse.ChangeTypeEarnedFromOrder, 720, "1251", "", "Earned 720 points for order #1251"},
		{"2025-12-18", bubblehouse.ChangeTypeEarnedFromOrder, 240, "1266", "", "240 points pending for order #1266"},
	},
	"bob@example.com": {
		{"2025-02-05", bubblehouse.ChangeTypeEarnedAsReferree, 200, "", "", "Welcome! 200 points for joining through Alice's link"},
		{"2025-02-05", bubblehouse.ChangeTypeEarnedFromOrder, 150, "1060", "", "Earned 150 points for order #1060"},
		{"2025-03-14", bubblehouse.ChangeTypeEarnedFromSource, 50, "", "", "Earned 50 points for following us on Instagram"},
		{"2025-05-02", bubblehouse.ChangeTypeEarnedFromOrder, 320, "1101", "", "Earned 320 points for order #1101"},
		{"2025-08-19", bubblehouse.ChangeTypeRedeemedTowardsOrder, -500, "1185", "BH-5OFF-Z9Y8", "Redeemed 500 points for $5 off order #1185"},
		{"2025-10-27", bubblehouse.ChangeTypeEarnedFromOrder, 400, "1231", "", "Earned 400 points for order #1231"},
	},
	"carol@example.com": {
		{"2025-12-20", bubblehouse.ChangeTypeEarnedFromSource, 100, "", "", "Earned 100 points for signing up to the newsletter"},
	},
	"dave@example.net": {
		{"2025-09-01", bubblehouse.ChangeTypeImport, 300, "", "", "Imported from the previous loyalty program"},
	},
}

// demoHistory builds a customer's history, newest first (Bubblehouse
// documents no order; this one is easy to read), with bubbleflake IDs
// derived from the entries' times.
func demoHistory(d bubblehouse.Customer2) []bubblehouse.Change2 {
	entries := demoHistories[d.Email]
	out := make([]bubblehouse.Change2, 0, len(entries))
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		day, err := time.Parse(time.DateOnly, e.day)
		if err != nil {
			continue
		}
		at := day.Add(time.Duration(9+i%8) * time.Hour)
		area := bubblehouse.ChangeAreaPoints
		if e.typ == bubblehouse.ChangeTypeTierAcquired {
			area = bubblehouse.ChangeAreaTier
		}
		ch := bubblehouse.Change2{
			ID:             flakeAt(at, uint64(i)),
			Area:           area,
			Type:           e.typ,
			Desc:           e.desc,
			CustomerBHID:   d.BHID,
			CustomerShopID: d.ID,
			CustomerEmail:  d.Email,
			PtsDelta:       e.pts,
			DiscountCode:   e.code,
		}
		if e.order != "" {
			ch.OrderShopID, ch.OrderShort = e.order, "#"+e.order
		}
		out = append(out, ch)
	}
	return out
}

// flakeAt is a bubbleflake for time t with sequence seq, on node 1.
func flakeAt(t time.Time, seq uint64) bubblehouse.BHID {
	ms := uint64(max(t.UnixMilli()-bhidEpochMilli, 0))
	return bubblehouse.BHID(fmt.Sprintf("%016x", (ms&(1<<40-1))<<24|1<<16|seq&0xffff))
}

package bubblehousetest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/bubblehouse-go/bubblehouse"
)

// Customer is one customer of the fake, seeded with the SDK's own output
// types, so a test seeds exactly what it later reads back.
type Customer struct {
	// Details is what CustomerDetails1 returns. Details.BHID is generated
	// when empty; Details.ID (the shop's customer ID), Details.Email and
	// Details.AltEmails are what CustomerIdentity1 and customer tokens match.
	Details bubblehouse.Customer2
	// History is what CustomerHistory2 returns, in this order (Bubblehouse
	// sends the newest first). Empty change IDs are generated and an empty
	// CustomerBHID is set to the customer's. CustomerShopID and
	// CustomerEmail are served as seeded: Bubblehouse documents them as
	// possibly empty (a change it cannot tie to them, after an import).
	History []bubblehouse.Change2
	// Balance is what CustomerBalance3 returns with include_full_program and
	// include_unused_rewards; without them the server strips the fields they
	// add.
	Balance bubblehouse.CustomerBalanceResult3
	// Referrals is what CustomerReferrals2 returns, destinations unmasked;
	// the server masks them unless the call may and does deanonymize.
	Referrals []bubblehouse.Referral2
	// Export is what ExportCustomerData1 returns, byte for byte. When nil,
	// the server generates a JSON document from the other fields.
	Export json.RawMessage
}

// customerRecord is a customer as stored. Records are replaced, never
// modified, so a handler may read one without holding the server's lock.
type customerRecord struct {
	c Customer
}

// AddCustomer adds c to the server, or replaces the customer with the same
// BHID or the same non-empty shop ID, and returns the customer's BHID
// (generated when Details.BHID is empty). The server keeps its own copy of
// the slices and the export.
func (s *Server) AddCustomer(c Customer) bubblehouse.BHID {
	c.History = append([]bubblehouse.Change2(nil), c.History...)
	c.Referrals = append([]bubblehouse.Referral2(nil), c.Referrals...)
	if c.Export != nil {
		c.Export = append(json.RawMessage(nil), c.Export...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Details.BHID == "" {
		c.Details.BHID = s.newBHIDLocked()
	}
	for i := range c.History {
		h := &c.History[i]
		if h.ID == "" {
			h.ID = s.newBHIDLocked()
		}
		if h.CustomerBHID == "" {
			h.CustomerBHID = c.Details.BHID
		}
	}
	for i := range c.Referrals {
		if c.Referrals[i].ReferralBHID == "" {
			c.Referrals[i].ReferralBHID = s.newBHIDLocked()
		}
	}
	rec := &customerRecord{c: c}
	for i, old := range s.customers {
		if sameBHID(old.c.Details.BHID, c.Details.BHID) || (c.Details.ID != "" && old.c.Details.ID == c.Details.ID) {
			s.customers[i] = rec
			return c.Details.BHID
		}
	}
	s.customers = append(s.customers, rec)
	return c.Details.BHID
}

// newBHIDLocked returns a fresh bubbleflake-shaped ID: 16 hex digits of
// milliseconds since 2020 (40 bits), a node byte and a 16-bit sequence.
func (s *Server) newBHIDLocked() bubblehouse.BHID {
	s.seq++
	ms := uint64(s.now().UnixMilli() - bhidEpochMilli)
	id := (ms&(1<<40-1))<<24 | 0xbb<<16 | s.seq&0xffff
	return bubblehouse.BHID(fmt.Sprintf("%016x", id))
}

// bhidEpochMilli is 2020-01-01T00:00:00Z in Unix milliseconds, the epoch of
// bubbleflakes [INF].
const bhidEpochMilli = 1577836800000

func sameBHID(a, b bubblehouse.BHID) bool {
	return a != "" && strings.EqualFold(string(a), string(b))
}

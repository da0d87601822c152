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
	// documents none; the demo data is newest first). Empty change IDs are
	// generated and an empty CustomerBHID is set to the customer's.
	// CustomerShopID and CustomerEmail are served as seeded: Bubblehouse
	// documents them as possibly empty (a change it cannot tie to them,
	// after an import).
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

// customerRecord is a customer as stored: a snapshot that shares nothing
// with the caller's seed. Records are replaced, never modified, so a
// handler may read one without holding the server's lock.
type customerRecord struct {
	c Customer
}

// AddCustomer adds c to the server, or replaces every customer with the
// same BHID or the same non-empty shop ID, and returns the customer's BHID
// (generated when Details.BHID is empty). The server keeps a deep copy: a
// change to c, its slices, maps or pointers after the call does not reach
// the server, and a test may change a seed while calls are in flight.
func (s *Server) AddCustomer(c Customer) bubblehouse.BHID {
	c = c.snapshot()
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
	// The new record takes the place of the first one it replaces, so that
	// lookups that return the first match (an email two customers share)
	// keep their order; a customer that replaces none goes last.
	rec := &customerRecord{c: c}
	kept := s.customers[:0:0]
	placed := false
	for _, old := range s.customers {
		if !sameBHID(old.c.Details.BHID, c.Details.BHID) && (c.Details.ID == "" || old.c.Details.ID != c.Details.ID) {
			kept = append(kept, old)
		} else if !placed {
			kept, placed = append(kept, rec), true
		}
	}
	if !placed {
		kept = append(kept, rec)
	}
	s.customers = kept
	return c.Details.BHID
}

// snapshot returns a deep copy of c: each value is encoded as the server
// would serve it (its Go fields, plus the keys its seed JSON has that the
// SDK does not model) and decoded afresh, so the copy shares no slice, map
// or pointer with c, and its Raw is what the server serves. A value that
// cannot be encoded, or not decoded back (neither happens to a value the
// SDK's types can hold), is kept as it is, shared with c; serving one that
// cannot be encoded answers 500.
func (c Customer) snapshot() Customer {
	out := Customer{
		Details: clone(c.Details, c.Details.Raw()),
		Balance: clone(c.Balance, c.Balance.Raw()),
	}
	if c.History != nil {
		out.History = make([]bubblehouse.Change2, len(c.History))
		for i := range c.History {
			out.History[i] = clone(c.History[i], c.History[i].Raw())
		}
	}
	if c.Referrals != nil {
		out.Referrals = make([]bubblehouse.Referral2, len(c.Referrals))
		for i := range c.Referrals {
			out.Referrals[i] = clone(c.Referrals[i], c.Referrals[i].Raw())
		}
	}
	if c.Export != nil {
		out.Export = append(json.RawMessage(nil), c.Export...)
	}
	return out
}

// clone is one value of snapshot.
func clone[T any](v T, raw json.RawMessage) T {
	b, apiErr := render(v, raw)
	if apiErr != nil {
		return v
	}
	var out T
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
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

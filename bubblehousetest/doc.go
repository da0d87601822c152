// Package bubblehousetest is a fake Bubblehouse for tests: an HTTP server
// that speaks the Loyalty API's wire format for CustomerDetails1,
// CustomerHistory2, CustomerBalance3, CustomerReferrals2,
// ExportCustomerData1 and Status2, checks tokens as Bubblehouse does, serves
// seeded customers, and lets a test script failures.
package bubblehousetest

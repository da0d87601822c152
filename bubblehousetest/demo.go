package bubblehousetest

// The demo data set of WithDemoData.
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

// DemoCustomers returns a fresh copy of the demo data set.
func DemoCustomers() []Customer {
	return nil // TODO
}

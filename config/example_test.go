package config_test

import (
	"errors"
	"fmt"

	"github.com/mugai/mugai/config"
)

// A complete relay configuration: every key not named keeps its default.
func ExampleParse() {
	c, err := config.Parse("mugai.yaml", []byte(`hostname: gw.city.example.lg.jp
listen: {smtp: "0.0.0.0:25"}
relay: {domains: [city.example.lg.jp], networks: [192.0.2.25/32]}
delivery: {next_hop: "10.20.30.40:25"}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	nextHop, _ := c.DeliveryTarget()
	fmt.Println(nextHop, c.Limits.MessageSize, c.SanitizePolicy().Language)
	// Output: 10.20.30.40:25 50MiB ja
}

// What `mugai check-config` prints: every problem, one per line, in order.
func ExampleErrors() {
	_, err := config.Parse("mugai.yaml", []byte(`relay:
  domains: ["*.example.lg.jp"]
  networks: [192.0.2.25]
delivery:
  nexthop: 10.20.30.40:25
limits:
  message_size: 50M
`))
	var es config.Errors
	if errors.As(err, &es) {
		for _, e := range es {
			fmt.Println(e)
		}
	}
	// Output:
	// mugai.yaml:2: relay.domains: "*.example.lg.jp": wildcards are not supported; list each domain exactly (subdomains are never included)
	// mugai.yaml:3: relay.networks: "192.0.2.25" is an address, not a network; write 192.0.2.25/32 for that address alone
	// mugai.yaml:5: unknown key "nexthop" in delivery (did you mean "next_hop"?)
	// mugai.yaml:7: limits.message_size: "50M" is not a size; write a whole number of bytes or a number with KB, KiB, MB, MiB, GB or GiB, e.g. 256KiB (write MB for powers of 1000 or MiB for powers of 1024)
}

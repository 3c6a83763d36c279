package auth

import (
	"container/list"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// cacheKey is one DNS question.
type cacheKey struct {
	name  string // fully qualified, lower case
	qtype uint16
}

// cacheEntry is a definite answer: records, or that there are none.
type cacheEntry struct {
	rrs      []dns.RR // shared read-only between callers
	notFound bool
}

type cacheItem struct {
	key     cacheKey
	entry   cacheEntry
	expires time.Time
}

// dnsCache is a least-recently-used cache of answers with an expiry each.
// It holds at most size entries, so its memory is bounded whatever names
// senders make us look up; an expired entry is dropped when it is asked
// for or when it reaches the end of the list.
type dnsCache struct {
	mu     sync.Mutex
	size   int
	maxTTL time.Duration
	now    func() time.Time
	order  *list.List // of *cacheItem, most recently used first
	items  map[cacheKey]*list.Element
}

func newDNSCache(size int, maxTTL time.Duration, now func() time.Time) *dnsCache {
	return &dnsCache{size: size, maxTTL: maxTTL, now: now, order: list.New(), items: make(map[cacheKey]*list.Element)}
}

func (c *dnsCache) get(k cacheKey) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		return cacheEntry{}, false
	}
	it := el.Value.(*cacheItem)
	if !c.now().Before(it.expires) {
		c.order.Remove(el)
		delete(c.items, k)
		return cacheEntry{}, false
	}
	c.order.MoveToFront(el)
	return it.entry, true
}

func (c *dnsCache) put(k cacheKey, e cacheEntry, ttl time.Duration) {
	ttl = min(ttl, c.maxTTL)
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	expires := c.now().Add(ttl)
	if el, ok := c.items[k]; ok {
		it := el.Value.(*cacheItem)
		it.entry, it.expires = e, expires
		c.order.MoveToFront(el)
		return
	}
	for c.order.Len() >= c.size {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheItem).key)
	}
	c.items[k] = c.order.PushFront(&cacheItem{key: k, entry: e, expires: expires})
}

// len returns the number of entries, expired ones included.
func (c *dnsCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

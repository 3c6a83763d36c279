// Package gateway builds mugai's running relay from a configuration and
// is the relay's message path between smtpd and the libraries: it routes
// each recipient (relay policy, routes, policies, destinations), runs each
// message through its policy's pipeline, and hands the result to a Target.
//
// Build is the one constructor, used at start and at every SIGHUP reload:
// it returns a Gateway with everything made — the conversion sandbox
// (checked), a pipeline per policy, a Target per destination, the routing
// table and the smtpd.Config whose Router it is — and nothing is changed
// afterwards. What outlives a reload (the logger, the metrics, sender
// authentication's resolver and its cache, the vault and the console's
// links) comes in through Options. cmd/mugai keeps the flags, the
// subcommands and the signals.
//
// # The message pipeline
//
// Route gives each transaction a message of its own (a Filter and a Begin
// sharing state, see smtpd.Route). Its stages, in order:
//
//	spool     smtpd has the original complete (memory or an unlinked file)
//	          and hands it to Filter as src (*smtpd.Original, read again
//	          from its start by each stage)
//	auth      SPF, DKIM and DMARC on the original, before anything is
//	          rebuilt (auth.go): auth.Checker.Check of the original client
//	          (Envelope.Origin; unknown for a forwarder that did not say)
//	          or the trusted upstream's results, then auth.Decide
//	vault put vault.Put of the original and envelope, durable before
//	          anything is acknowledged (keep.go); a *vault.FullError is 452
//	          4.3.1 by itself; the vault id goes into the notice
//	ppap      (ppap.go) the encrypted zips held in the vault for each
//	          recipient, the held zips this message may hold the password
//	          of; both said in the notice's line about the original. After
//	          deliver, that message's text is tried against those zips
//	sanitize  the rebuild into dst (sanitize.Sanitizer.MessageWith) →
//	          the Report; a rejection becomes its reply (Rejection). The
//	          auth verdict acts here: a Reject or Defer ends the message
//	          with the verdict's *reply.Reply, nothing rebuilt; a
//	          Quarantine delivers the quarantine notice (naming the kept
//	          original) instead of the rebuild, or is refused as under
//	          on_fail: reject when no original is kept. The Additions
//	          compare the From the rebuild shows with the From auth
//	          checked (a difference is a From failure, decided again, and
//	          may hold the message back after all) and add the one
//	          Authentication-Results field, the notice sentences and the
//	          subject tags; the Report gets the auth section
//	deliver   smtpd delivers dst through the Delivery that Begin opened on
//	          the route's Target (250 only once it accepted)
//	record    the report and its auth section to Options.Observer
//	          (metrics), the auth fields to the message's log line
//	          (FilterResult.Log) and the report to the debug log, right
//	          after sanitize; vault.RecordOutcome after deliver, from the
//	          message's Delivery (recordingDelivery), or at once for a
//	          message refused or failed
package gateway

// Package testkit holds what the tests of several bot packages share: a
// strict fake of Slack's Web API, settable and simulated clocks, a fresh
// in-memory store, Block Kit checks and the zones and days the tests
// reason in. It imports no package that depends on bot, so the tests of
// every package may use it.
package testkit

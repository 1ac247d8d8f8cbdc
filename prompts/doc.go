// Package prompts holds every text kpibot says to people, in French and
// English, so that handlers never carry inline wording and translators edit
// files, not Go code.
package prompts

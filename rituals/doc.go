// Package rituals brings the bot to people on a rhythm: it decides which
// ritual occurrences are due, claims each exactly once across replicas, and
// hands them to a runner.
//
// The pieces, from pure to effectful:
//
//   - A Schedule says when a ritual runs, in a timezone (ParseSchedule takes
//     a cron spec or "mon 09:30").
//   - Due decides, for the scheduled times since the last look, which run
//     now and which are skipped (holiday, outside the grace window). It is a
//     pure function, so the "should this post now?" rule is tested without
//     clocks or storage.
//   - OccurrenceID names each occurrence (workspace, team, ritual, period).
//     The name is the claim key in storage, so two replicas, or a restarted
//     one, that decide the same occurrence is due agree on one record.
//   - A Runner ticks: for each due occurrence it claims the key, posts
//     through a Poster, and marks the claim done with the Slack ts.
//
// # Exactly once
//
// A claim is a lease (Runner.Lease, 2 minutes by default). The crash
// windows are handled as follows:
//
//   - Crash between claim and post: nothing was posted; the lease runs
//     out and another replica (or the same one, restarted) takes the claim
//     over and posts.
//   - Crash between post and mark: the message exists but the claim still
//     says "claimed". After the lease, another replica takes it over and
//     calls Post again. Poster implementations must then find the message
//     they already posted instead of posting a second one: the Slack
//     implementation puts the occurrence ID in the message metadata and
//     looks for it among the bot's recent messages in the target
//     conversation before posting. That lookup is the only thing that
//     closes this window, which is why it is part of the Poster contract.
//   - A post slower than the lease could be taken over while it is still
//     under way; the runner bounds Post by the lease for that reason, so
//     the lease must comfortably exceed a normal post.
package rituals

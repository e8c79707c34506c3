//! `deep_random`: a seeded generator following the runner's `deep.py`.

use super::steps::*;

/// SplitMix64: the deterministic random source of `deep_random`.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max`.
    pub(crate) fn upto(&mut self, max: usize) -> usize {
        (self.next() % (max as u64 + 1)) as usize
    }

    pub(crate) fn coin(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub(crate) fn pick<'a>(&mut self, from: &'a [String]) -> &'a String {
        &from[self.upto(from.len() - 1)]
    }
}

/// `interop/deep.py`'s random session: a group created by one commit of
/// Adds by value, then random steps — an external join (10%; half of them
/// a resync, `removePrior`) or a commit of Updates (by reference, from
/// members who do not commit), Adds and Removes (by value).
pub(crate) fn deep_random(seed: u64, initial: usize, steps: usize) -> Vec<Step> {
    const MAX_GROUP: usize = 8;
    const MAX_ADDS: usize = 3;
    let mut rng = SplitMix(seed);
    let mut script = Vec::new();
    let mut next = 0;
    let mut new_actor = || {
        next += 1;
        format!("actor{}", next - 1)
    };
    let creator = new_actor();
    script.push(Step::CreateGroup(leak(&creator), Vec::new()));
    let joiners: Vec<String> = (1..initial).map(|_| new_actor()).collect();
    for j in &joiners {
        script.push(kp(j));
    }
    script.push(full(Commit {
        actor: creator.clone(),
        by_value: (1..initial).map(Desc::Add).collect(),
        joiners: joiners.clone(),
        ..Commit::default()
    }));
    let mut actors: Vec<String> = std::iter::once(creator).chain(joiners).collect();
    for _ in 0..steps {
        actors.sort();
        if rng.coin(10) {
            // A resync needs another member to take the commit.
            let resync = actors.len() > 1 && rng.coin(50);
            let joiner = if resync {
                rng.pick(&actors).clone()
            } else {
                new_actor()
            };
            let eligible: Vec<String> = actors.iter().filter(|a| **a != joiner).cloned().collect();
            let adder = rng.pick(&eligible).clone();
            let members: Vec<String> = eligible.iter().filter(|a| **a != adder).cloned().collect();
            script.push(Step::ExternalJoin(ExtJoin {
                actor: adder,
                joiner: joiner.clone(),
                members,
                remove_prior: resync,
                ..ExtJoin::default()
            }));
            if !resync {
                actors.push(joiner);
            }
            continue;
        }
        let n = actors.len();
        let n_add = rng.upto(MAX_ADDS.min(MAX_GROUP.saturating_sub(n)));
        let n_remove = rng.upto(n * 2 / 5);
        let n_update = rng.upto(n * 2 / 5);
        let joiners: Vec<String> = (0..n_add).map(|_| new_actor()).collect();
        let mut pool = actors.clone();
        let mut take = |k: usize, pool: &mut Vec<String>| -> Vec<String> {
            (0..k)
                .map(|_| {
                    let i = rng.upto(pool.len() - 1);
                    pool.remove(i)
                })
                .collect()
        };
        let leavers = take(n_remove, &mut pool);
        let remainers = pool.clone();
        let updaters = take(n_update.min(pool.len() - 1), &mut pool);
        let committer = pool[rng.upto(pool.len() - 1)].clone();
        let first = script.len();
        for u in &updaters {
            script.push(Step::UpdateProposal(u.clone()));
        }
        let kps = script.len();
        for j in &joiners {
            script.push(kp(j));
        }
        let mut by_value: Vec<Desc> = (kps..kps + n_add).map(Desc::Add).collect();
        by_value.extend(leavers.iter().map(|l| Desc::Remove(leak(l))));
        script.push(full(Commit {
            actor: committer.clone(),
            by_ref: (first..first + updaters.len()).collect(),
            by_value,
            members: remainers
                .iter()
                .filter(|a| **a != committer)
                .cloned()
                .collect(),
            joiners: joiners.clone(),
            ..Commit::default()
        }));
        actors = remainers.into_iter().chain(joiners).collect();
    }
    script
}

/// Actor names live as long as the test (a few dozen short strings).
pub(crate) fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

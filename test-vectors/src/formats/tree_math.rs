//! `tree-math.json`: array-based tree math (RFC 9420 Appendix C).

use mls_types::tree_math::{self, NodeIndex};
use serde_json::Value;

use crate::hexjson::uint;

fn optional_array(case: &Value, key: &str) -> Result<Vec<Option<u32>>, String> {
    let arr = case
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| format!("missing array `{key}`"))?;
    arr.iter()
        .map(|v| match v {
            Value::Null => Ok(None),
            v => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("`{key}` entry {v} is not a uint32")),
        })
        .collect()
}

/// `n_nodes`, `root`, and `left`/`right`/`parent`/`sibling` of every node.
pub fn check(case: &Value) -> Result<(), String> {
    let n = u32::try_from(uint(case, "n_leaves")?)
        .map_err(|_| "n_leaves exceeds uint32".to_string())?;
    let width = tree_math::node_width(n).ok_or("n_leaves too large")?;
    if u64::from(width) != uint(case, "n_nodes")? {
        return Err(format!("n_nodes: got {width}"));
    }
    if u64::from(tree_math::root(n).0) != uint(case, "root")? {
        return Err("root".into());
    }
    type Rel = fn(NodeIndex, u32) -> Option<NodeIndex>;
    let rels: [(&str, Rel); 4] = [
        ("left", |x, _| tree_math::left(x)),
        ("right", tree_math::right_in),
        ("parent", tree_math::parent),
        ("sibling", tree_math::sibling),
    ];
    for (key, f) in rels {
        let want = optional_array(case, key)?;
        if want.len() != width as usize {
            return Err(format!("`{key}` has {} entries, want {width}", want.len()));
        }
        for (i, w) in want.iter().enumerate() {
            let got = f(NodeIndex(i as u32), n).map(|x| x.0);
            if got != *w {
                return Err(format!("{key}[{i}]: got {got:?}, want {w:?}"));
            }
        }
    }
    Ok(())
}

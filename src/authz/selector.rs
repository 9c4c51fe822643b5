//! Label selectors as `metav1.LabelSelectorAsSelector` reads them
//! (`staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/helpers.go`), for ClusterRole
//! `aggregationRule.clusterRoleSelectors`: `matchLabels` are equality requirements,
//! `matchExpressions` use `In`, `NotIn`, `Exists`, `DoesNotExist`; an empty selector selects
//! everything.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::rules::nullable;

/// `metav1.LabelSelector`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Equality requirements.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// Set-based requirements.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub match_expressions: Vec<Requirement>,
}

/// `metav1.LabelSelectorRequirement`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// The label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: String,
    /// Values (non-empty for In/NotIn, empty for Exists/DoesNotExist).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether `labels` are selected, or the error `LabelSelectorAsSelector` returns for a
    /// requirement it cannot build (the aggregation controller then leaves the role as is).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> Result<bool, String> {
        let mut ok = self
            .match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v));
        for r in &self.match_expressions {
            let has = labels.get(&r.key);
            let m = match r.operator.as_str() {
                "In" | "NotIn" if r.values.is_empty() => {
                    return Err(format!(
                        "for 'in', 'notin' operators, values set can't be empty (key {:?})",
                        r.key
                    ));
                }
                "Exists" | "DoesNotExist" if !r.values.is_empty() => {
                    return Err(format!(
                        "values set must be empty for exists and does not exist (key {:?})",
                        r.key
                    ));
                }
                "In" => has.is_some_and(|v| r.values.contains(v)),
                // labels.Selector: NotIn also selects objects without the key.
                "NotIn" => has.is_none_or(|v| !r.values.contains(v)),
                "Exists" => has.is_some(),
                "DoesNotExist" => has.is_none(),
                other => return Err(format!("{other:?} is not a valid label selector operator")),
            };
            ok &= m;
        }
        Ok(ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expr(key: &str, op: &str, values: &[&str]) -> LabelSelector {
        LabelSelector {
            match_expressions: vec![Requirement {
                key: key.into(),
                operator: op.into(),
                values: values.iter().map(|s| s.to_string()).collect(),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn empty_selector_selects_everything() {
        assert_eq!(LabelSelector::default().matches(&labels(&[])), Ok(true));
    }

    #[test]
    fn operators() {
        let l = labels(&[("a", "1")]);
        assert_eq!(expr("a", "In", &["1", "2"]).matches(&l), Ok(true));
        assert_eq!(expr("a", "In", &["2"]).matches(&l), Ok(false));
        assert_eq!(expr("a", "NotIn", &["2"]).matches(&l), Ok(true));
        assert_eq!(expr("b", "NotIn", &["2"]).matches(&l), Ok(true));
        assert_eq!(expr("a", "Exists", &[]).matches(&l), Ok(true));
        assert_eq!(expr("a", "DoesNotExist", &[]).matches(&l), Ok(false));
        assert!(expr("a", "In", &[]).matches(&l).is_err());
        assert!(expr("a", "Equals", &["1"]).matches(&l).is_err());
    }
}

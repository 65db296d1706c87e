//! Actions for what the stolen identity did in cloud infrastructure
//! (step 4) and the secrets it could read (step 11): disable the keys it
//! made, undo the access it granted, stop what it started, rotate what it
//! read. Commands for the Azure CLI, AWS CLI and gcloud, every identifier
//! shell-quoted.

use super::quote::sh;
use super::{actionable, key, Action, CommandLine, Tool};
use crate::detect::{Context, Finding};
use crate::model::{attr, Source};
use crate::store::EventStore;
use serde_json::Value;

fn json_attr(store: &EventStore, row: u32, name: &str) -> Value {
    store.attr(row, name).and_then(|t| serde_json::from_str(t).ok()).unwrap_or(Value::Null)
}

fn text_at<'v>(value: &'v Value, path: &[&str]) -> &'v str {
    path.iter().try_fold(value, |v, k| v.get(*k)).and_then(Value::as_str).unwrap_or("")
}

fn cli(tool: Tool, text: String) -> CommandLine {
    CommandLine { tool, text }
}

/// The segment after `marker/` in a resource path (`…/secrets/NAME/…`).
fn segment_after<'a>(path: &'a str, marker: &str) -> &'a str {
    path.split('/').skip_while(|s| *s != marker).nth(1).unwrap_or("")
}

struct Planned {
    id: String,
    step: u8,
    title: String,
    why: String,
    commands: Vec<CommandLine>,
    portal: &'static str,
}

/// One row of a cloud finding, turned into what undoes it.
fn plan_row(store: &EventStore, row: u32) -> Option<Planned> {
    let op = store.operation(row);
    let target = store.target(row).trim();
    let account = store.attr(row, attr::CLOUD_ACCOUNT).unwrap_or("");
    let request = json_attr(store, row, attr::REQUEST);
    let response = json_attr(store, row, attr::RESPONSE);
    let op_lower = op.to_ascii_lowercase();
    match store.source(row) {
        Source::CloudTrail => match op {
            "CreateAccessKey" => {
                let user = text_at(&request, &["userName"]);
                let key_id = text_at(&response, &["accessKey", "accessKeyId"]);
                let key_arg = if key_id.is_empty() { "'<access key id>'".to_string() } else { sh(key_id) };
                Some(Planned {
                    id: format!("aws_disable_key:{}:{}", key(account), key(if key_id.is_empty() { user } else { key_id })),
                    step: 4,
                    title: format!("Deactivate, then delete, the access key made for {}", if user.is_empty() { "an IAM user" } else { user }),
                    why: "A long-lived access key works from anywhere with no MFA and outlives every Entra ID reset. Deactivate it now (reversible), check CloudTrail for its use (AccessKeyId), then delete it.".into(),
                    commands: vec![cli(Tool::AwsCli, format!(
                        "aws iam update-access-key --user-name {u} --access-key-id {key_arg} --status Inactive\naws iam list-access-keys --user-name {u}\n# after review:\naws iam delete-access-key --user-name {u} --access-key-id {key_arg}",
                        u = sh(user)
                    ))],
                    portal: "AWS console › IAM › Users › (the user) › Security credentials › Access keys › Actions › Deactivate, then Delete",
                })
            }
            "CreateUser" | "CreateLoginProfile" => {
                let user = if target.is_empty() { text_at(&request, &["userName"]) } else { target };
                Some(Planned {
                    id: format!("aws_user:{}:{}", key(account), key(user)),
                    step: 4,
                    title: format!("Lock the IAM user {user} the intruder created or gave a console password"),
                    why: "An IAM user the intruder controls is a way back into the AWS account that no Entra ID action touches. Remove its console password and keys and detach its policies; delete it once its activity is reviewed.".into(),
                    commands: vec![cli(Tool::AwsCli, format!(
                        "aws iam delete-login-profile --user-name {u}\naws iam list-access-keys --user-name {u}\naws iam list-attached-user-policies --user-name {u}\naws iam list-user-policies --user-name {u}",
                        u = sh(user)
                    ))],
                    portal: "AWS console › IAM › Users › (the user) › Security credentials (console password: Manage › Disable) and Permissions",
                })
            }
            "AttachUserPolicy" | "AttachRolePolicy" | "AttachGroupPolicy" => {
                let policy = text_at(&request, &["policyArn"]);
                let (flag, subject, command) = match op {
                    "AttachUserPolicy" => ("--user-name", text_at(&request, &["userName"]), "detach-user-policy"),
                    "AttachRolePolicy" => ("--role-name", text_at(&request, &["roleName"]), "detach-role-policy"),
                    _ => ("--group-name", text_at(&request, &["groupName"]), "detach-group-policy"),
                };
                Some(Planned {
                    id: format!("aws_detach:{}:{}:{}", key(account), key(subject), key(policy)),
                    step: 4,
                    title: format!("Detach {} from {subject}", policy.rsplit('/').next().unwrap_or(policy)),
                    why: "The intruder granted this policy; take it away again unless the owner of the account confirms it.".into(),
                    commands: vec![cli(Tool::AwsCli, format!("aws iam {command} {flag} {} --policy-arn {}", sh(subject), sh(policy)))],
                    portal: "AWS console › IAM › (the user, role or group) › Permissions › Remove",
                })
            }
            "GetSecretValue" => {
                let secret = if target.is_empty() { text_at(&request, &["secretId"]) } else { target };
                Some(Planned {
                    id: format!("aws_rotate_secret:{}:{}", key(account), key(secret)),
                    step: 11,
                    title: format!("Rotate the secret {secret} the intruder read"),
                    why: "The intruder holds the value. Rotate it (and change it where it is used, e.g. the database password), or the stolen copy keeps working.".into(),
                    commands: vec![cli(Tool::AwsCli, format!("aws secretsmanager rotate-secret --secret-id {}", sh(secret)))],
                    portal: "AWS console › Secrets Manager › (the secret) › Rotation › Rotate secret immediately",
                })
            }
            "GetParameter" | "GetParameters" | "GetParametersByPath" => {
                let name = if target.is_empty() { text_at(&request, &["name"]) } else { target };
                Some(Planned {
                    id: format!("aws_rotate_parameter:{}:{}", key(account), key(name)),
                    step: 11,
                    title: format!("Change the parameter {name} the intruder read decrypted"),
                    why: "A SecureString parameter read with decryption is a secret the intruder now holds: change it at its source and store the new value.".into(),
                    commands: vec![cli(Tool::AwsCli, format!("aws ssm put-parameter --name {} --type SecureString --overwrite --value '<new value>'", sh(name)))],
                    portal: "AWS console › Systems Manager › Parameter Store › (the parameter) › Edit",
                })
            }
            "RunInstances" => {
                let ids: Vec<&str> = response.pointer("/instancesSet/items").and_then(Value::as_array).map(|items| items.iter().filter_map(|i| i.get("instanceId").and_then(Value::as_str)).collect()).unwrap_or_default();
                let listed = if ids.is_empty() { "'<instance id>'".to_string() } else { ids.iter().map(|i| sh(i)).collect::<Vec<_>>().join(" ") };
                Some(Planned {
                    id: format!("aws_stop_instances:{}:{}", key(account), key(&ids.join(","))),
                    step: 4,
                    title: "Stop the EC2 instances the intruder launched".into(),
                    why: "Instances the intruder started can mine, relay or hold data. Keep their disks for the investigation (snapshot first), then stop them; terminate once the evidence is kept.".into(),
                    commands: vec![cli(Tool::AwsCli, format!("aws ec2 describe-instances --instance-ids {listed}\naws ec2 stop-instances --instance-ids {listed}"))],
                    portal: "AWS console › EC2 › Instances › (the instances) › Instance state › Stop",
                })
            }
            "StopLogging" | "DeleteTrail" | "UpdateTrail" => Some(Planned {
                id: format!("aws_logging:{}:{}", key(account), key(target)),
                step: 4,
                title: format!("Turn CloudTrail logging back on for {target}"),
                why: "The intruder stopped or changed the trail, so what happened next may be missing: restore it at once and treat the gap as unseen activity.".into(),
                commands: vec![cli(Tool::AwsCli, format!("aws cloudtrail start-logging --name {t}\naws cloudtrail get-trail-status --name {t}", t = sh(target)))],
                portal: "AWS console › CloudTrail › Trails › (the trail) › Start logging",
            }),
            _ => None,
        },
        Source::AzureActivity => {
            if op_lower.starts_with("microsoft.authorization/roleassignments/write") {
                Some(Planned {
                    id: format!("azure_role_assignment:{}", key(target)),
                    step: 4,
                    title: "Delete the Azure role assignment the intruder made".into(),
                    why: "The assignment gives its holder rights over the subscription or resource whatever happens to the victim's account. Delete it unless its owner confirms it.".into(),
                    commands: vec![cli(Tool::AzureCli, format!("az role assignment delete --ids {}", sh(target)))],
                    portal: "Azure portal › (the scope) › Access control (IAM) › Role assignments › Remove",
                })
            } else if op_lower.starts_with("microsoft.storage/storageaccounts/listkeys") || op_lower.starts_with("microsoft.storage/storageaccounts/regeneratekey") {
                let account_id = target.split("/listKeys").next().unwrap_or(target);
                Some(Planned {
                    id: format!("azure_renew_storage_keys:{}", key(account_id)),
                    step: 11,
                    title: format!("Renew the keys of storage account {}", segment_after(account_id, "storageAccounts")),
                    why: "Listing the keys hands over full access to the account's data, good until the keys change. Renew both (one at a time, updating what uses them) and prefer Entra ID access over keys.".into(),
                    commands: vec![cli(Tool::AzureCli, format!("az storage account keys renew --ids {id} --key primary\naz storage account keys renew --ids {id} --key secondary", id = sh(account_id)))],
                    portal: "Azure portal › Storage account › Security + networking › Access keys › Rotate key",
                })
            } else if op_lower.contains("secretget") || op_lower.contains("secretlist") || op_lower.contains("/secrets/") {
                let vault = target.split("//").nth(1).and_then(|h| h.split('.').next()).filter(|v| !v.is_empty()).unwrap_or_else(|| segment_after(target, "vaults"));
                let name = segment_after(target, "secrets");
                if vault.is_empty() || name.is_empty() {
                    // No vault or no secret named (a listing): the finding
                    // itself lists what was seen; there is nothing exact to rotate.
                    return None;
                }
                Some(Planned {
                    id: format!("azure_rotate_secret:{}:{}", key(vault), key(name)),
                    step: 11,
                    title: format!("Rotate the Key Vault secret {} in {vault}", if name.is_empty() { "(name in the evidence)" } else { name }),
                    why: "The intruder read the secret's value. Change it where it is issued, store the new value, and check who used the old one since.".into(),
                    commands: vec![cli(Tool::AzureCli, format!("az keyvault secret set --vault-name {} --name {} --value '<new value>'", sh(vault), sh(if name.is_empty() { "<secret name>" } else { name })))],
                    portal: "Azure portal › Key vault › Secrets › (the secret) › New version",
                })
            } else if op_lower.starts_with("microsoft.compute/virtualmachines/write") {
                Some(Planned {
                    id: format!("azure_stop_vm:{}", key(target)),
                    step: 4,
                    title: format!("Stop the VM {} the intruder created or changed", segment_after(target, "virtualMachines")),
                    why: "Keep the disks for the investigation (snapshot first), then deallocate the VM so it stops running and costing; delete it once the evidence is kept.".into(),
                    commands: vec![cli(Tool::AzureCli, format!("az vm show --ids {id} --query '{{name:name, admin:osProfile.adminUsername}}'\naz vm deallocate --ids {id}", id = sh(target)))],
                    portal: "Azure portal › Virtual machines › (the VM) › Stop",
                })
            } else {
                None
            }
        }
        Source::GcpAudit => {
            if op.ends_with("CreateServiceAccountKey") {
                let key_name = text_at(&response, &["name"]);
                let key_id = key_name.rsplit('/').next().filter(|_| key_name.contains("/keys/")).unwrap_or("");
                let sa = segment_after(if key_name.is_empty() { target } else { key_name }, "serviceAccounts");
                let key_arg = if key_id.is_empty() { "'<key id>'".to_string() } else { sh(key_id) };
                Some(Planned {
                    id: format!("gcp_disable_key:{}:{}", key(sa), key(key_id)),
                    step: 4,
                    title: format!("Disable, then delete, the key made for {sa}"),
                    why: "A service account key signs in as the account from anywhere until deleted. Disable it now, review its use, then delete it.".into(),
                    commands: vec![cli(Tool::Gcloud, format!(
                        "gcloud iam service-accounts keys disable {key_arg} --iam-account {s}\ngcloud iam service-accounts keys list --iam-account {s}\n# after review:\ngcloud iam service-accounts keys delete {key_arg} --iam-account {s}",
                        s = sh(sa)
                    ))],
                    portal: "Google Cloud console › IAM & Admin › Service accounts › (the account) › Keys",
                })
            } else if op.ends_with("AccessSecretVersion") {
                let project = segment_after(target, "projects");
                let secret = segment_after(target, "secrets");
                Some(Planned {
                    id: format!("gcp_rotate_secret:{}:{}", key(project), key(secret)),
                    step: 11,
                    title: format!("Rotate the secret {secret} in {project}"),
                    why: "The intruder read the secret's value: change it at its source, add the new value as a version and disable the old versions.".into(),
                    commands: vec![cli(Tool::Gcloud, format!(
                        "gcloud secrets versions add {s} --project {p} --data-file='<file with the new value>'\ngcloud secrets versions list {s} --project {p}",
                        s = sh(secret),
                        p = sh(project)
                    ))],
                    portal: "Google Cloud console › Security › Secret Manager › (the secret) › New version; disable the old ones",
                })
            } else if op == "SetIamPolicy" || op.ends_with(".SetIamPolicy") {
                Some(Planned {
                    id: format!("gcp_iam_policy:{}", key(target)),
                    step: 4,
                    title: format!("Review and undo the IAM policy change on {target}"),
                    why: "The intruder changed who may do what. Compare the policy with its previous version (the audit record holds both the request and the result) and remove members they added.".into(),
                    commands: vec![cli(Tool::Gcloud, "# Print the policy now in force and remove members the intruder added, for example:\n# gcloud projects remove-iam-policy-binding PROJECT --member='user:…' --role='roles/…'".to_string())],
                    portal: "Google Cloud console › IAM & Admin › IAM › (the member) › Remove access",
                })
            } else {
                None
            }
        }
        _ => None,
    }
}

pub fn actions(store: &EventStore, _ctx: &Context, findings: &[Finding]) -> Vec<Action> {
    let mut out = Vec::new();
    for detector in ["cloud.access_key", "cloud.iam", "cloud.secret_read", "cloud.compute", "cloud.logging_disabled"] {
        for f in actionable(findings, detector) {
            for &row in &f.rows {
                if store.outcome(row) == crate::model::Outcome::Failure {
                    continue;
                }
                let Some(p) = plan_row(store, row) else { continue };
                out.push(Action {
                    id: p.id,
                    step: p.step,
                    title: p.title,
                    why: p.why,
                    commands: p.commands,
                    portal: p.portal.into(),
                    findings: vec![f.id.clone()],
                    rows: vec![row],
                    query: f.query.clone(),
                    promise: None,
                });
            }
        }
    }
    out
}

//! The chain of hosts a login goes through, resolved as ssh resolves it: ProxyJump
//! `a,b` makes ssh run `ssh [-l USER] [-p PORT] [-J a] [-F FILE] -W '[%h]:%p' b`, so each jump
//! host gets its own configuration (its Host block, and its own ProxyJump or ProxyCommand
//! when no earlier hop is given), the last jump host reaches the destination, and a
//! ProxyCommand that is `ssh ... -W %h:%p HOST` (or runs `nc %h %p` on HOST) is a jump too.

use super::recognise::{recognise, Recognised};
use crate::config::{self, ConfigInput, Origin, ResolvedConfig};
use crate::engine::proxy::{self, Spec};
use crate::event::Via;
use crate::i18n::Text;
use crate::text;
use std::sync::Arc;

/// The most hops followed: ssh has no limit (a loop of ProxyJump makes it start ssh after
/// ssh), sshdoctor stops there.
pub(crate) const MAX_HOPS: usize = 10;

/// One host of the chain, with its own configuration.
#[derive(Debug, Clone)]
pub(crate) struct HopSpec {
    /// The hop as the user wrote it.
    pub label: String,
    /// What its configuration is resolved from (as the ssh started for it would).
    pub input: ConfigInput,
    /// Its configuration.
    pub config: ResolvedConfig,
    /// How it is reached.
    pub via: Via,
    /// The ProxyCommand that carries it (`via` is [`Via::Proxy`]).
    pub proxy: Option<Arc<Spec>>,
    /// The command run on the previous hop (`via` is [`Via::Netcat`]).
    pub netcat: Option<String>,
    /// What its config stage says about the route (how ssh reaches it), for the log.
    pub notes: Vec<Text>,
    /// Why ssh stops before connecting anywhere (its "jumphost loop" check, an unknown token
    /// in ProxyCommand), for a `config.invalid_value` finding.
    pub refused: Option<String>,
}

impl HopSpec {
    fn new(label: String, input: ConfigInput) -> HopSpec {
        let config = config::resolve(&input);
        HopSpec {
            label,
            input,
            config,
            via: Via::Tcp,
            proxy: None,
            netcat: None,
            notes: Vec::new(),
            refused: None,
        }
    }
}

/// The chain for a destination, first jump host first, the destination last (one hop for a
/// direct login).
pub(crate) fn resolve(input: &ConfigInput, config: &ResolvedConfig) -> Vec<HopSpec> {
    let mut dest = HopSpec::new(input.host.clone(), input.clone());
    dest.config = config.clone();
    let mut chain = vec![dest];
    loop {
        let len = chain.len();
        let Some(cur) = chain.last_mut() else { break };
        match route(cur, len) {
            Some(next) => chain.push(next),
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// Decide how `cur` is reached; the hop before it when that is another ssh.
fn route(cur: &mut HopSpec, len: usize) -> Option<HopSpec> {
    let cfg = &cur.config;
    let describe = |o: &Origin| crate::config_verdict::place(o, &cfg.home);
    if let Some(v) = cfg.get("proxyjump") {
        let (value, origin) = (v.value.clone(), describe(&v.origin));
        let Some(hops) = config::jump_hops(&value) else {
            let note = text!(
                "engine.hops.jump_unreadable",
                value = &value,
                origin = origin
            );
            cur.notes.push(note);
            return None;
        };
        return jump(cur, &hops, &value, &origin, len);
    }
    if let Some(v) = cfg.get("proxycommand") {
        let (command, origin) = (v.value.clone(), describe(&v.origin));
        return proxy_command(cur, &command, &origin, len);
    }
    None
}

/// ProxyJump: the last hop of the list is the jump host (the ones before it reach it).
fn jump(
    cur: &mut HopSpec,
    hops: &[(Option<String>, String, Option<u16>)],
    value: &str,
    origin: &Text,
    len: usize,
) -> Option<HopSpec> {
    let (user, host, port) = hops.last()?.clone();
    let extra = value.rsplit_once(',').map(|(e, _)| e.to_string());
    let label = label(user.as_deref(), &host, port);
    if let Some(why) = jump_loop(cur, user.as_deref(), &host, port) {
        cur.refused = Some(why);
        return None;
    }
    if len >= MAX_HOPS {
        cur.notes
            .push(text!("engine.hops.too_many", max = MAX_HOPS));
        return None;
    }
    let mut options = Vec::new();
    let mut args = String::new();
    if let Some(u) = &user {
        options.push(("User".to_string(), config::command_line_word(u)));
        args.push_str(&format!(" -l {u}"));
    }
    if let Some(p) = port {
        options.push(("Port".to_string(), p.to_string()));
        args.push_str(&format!(" -p {p}"));
    }
    if let Some(e) = &extra {
        options.push(("ProxyJump".to_string(), e.clone()));
        args.push_str(&format!(" -J {e}"));
    }
    if let Some(f) = &cur.input.user_config {
        args.push_str(&format!(" -F {}", f.display()));
    }
    cur.via = Via::Forward;
    let command = format!(
        "ssh{args} -W '[{}]:{}' {host}",
        cur.config.hostname().value,
        cur.config.port().0,
    );
    cur.notes.push(text!(
        "engine.hops.jump_note",
        value = value,
        origin = origin.clone(),
        hop = &cur.label,
        jump = &label,
        command = command
    ));
    let input = ConfigInput {
        host,
        options,
        ..cur.input.clone()
    };
    Some(HopSpec::new(label, input))
}

/// ssh's own check (ssh.c): a jump host that is the destination itself, same port and user,
/// is "jumphost loop via HOST", and ssh stops.
fn jump_loop(cur: &HopSpec, user: Option<&str>, host: &str, port: Option<u16>) -> Option<String> {
    let cfg = &cur.config;
    let same_host = host == cfg.hostname().value;
    let same_port = port.unwrap_or(22) == cfg.port().0;
    let same_user = user.is_none_or(|u| u == cfg.user().value);
    (same_host && same_port && same_user).then(|| format!("jumphost loop via {host}"))
}

/// A ProxyCommand: a jump when it is `ssh ... -W %h:%p HOST` or `ssh HOST nc %h %p`, else
/// the transport itself.
fn proxy_command(cur: &mut HopSpec, command: &str, origin: &Text, len: usize) -> Option<HopSpec> {
    let tokens = proxy_tokens(cur);
    let expanded = match proxy::expand(command, &tokens) {
        Ok(e) => e,
        Err(e) => {
            let origin = origin.english();
            cur.refused = Some(format!("ProxyCommand {command} ({origin}): {e}"));
            return None;
        }
    };
    if len < MAX_HOPS {
        if let Some(r) = recognise(command, &tokens, &cur.input) {
            return Some(as_jump(cur, r, command, origin));
        }
    }
    let shell = std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".to_string());
    cur.via = Via::Proxy;
    let note = text!(
        "engine.hops.proxy_note",
        command = command,
        origin = origin.clone()
    );
    cur.notes.push(note);
    cur.proxy = Some(Arc::new(Spec {
        shell,
        command: expanded,
        configured: command.to_string(),
        origin: origin.clone(),
    }));
    None
}

/// A recognised `ssh -W` (or `ssh HOST nc`) ProxyCommand becomes a hop of its own.
fn as_jump(cur: &mut HopSpec, r: Recognised, command: &str, origin: &Text) -> HopSpec {
    let jump = &r.label;
    let how = match &r.netcat {
        Some(nc) => {
            cur.via = Via::Netcat;
            cur.netcat = Some(nc.clone());
            text!("engine.hops.runs_netcat", nc = nc, jump = jump)
        }
        None => {
            cur.via = Via::Forward;
            text!("engine.hops.asks_forward", jump = jump)
        }
    };
    cur.notes.push(text!(
        "engine.hops.proxy_jump_note",
        command = command,
        origin = origin.clone(),
        jump = jump,
        how = how,
        hop = &cur.label
    ));
    HopSpec::new(r.label, r.input)
}

/// The tokens ssh expands in ProxyCommand (`expand_proxy_command`): `%h %k %n %p %r`.
pub(crate) fn proxy_tokens(cur: &HopSpec) -> Vec<(char, String)> {
    let cfg = &cur.config;
    let alias = cfg
        .get("hostkeyalias")
        .map_or_else(|| cur.input.host.clone(), |v| v.value.clone());
    vec![
        ('h', cfg.hostname().value.clone()),
        ('k', alias),
        ('n', cur.input.host.clone()),
        ('p', cfg.port().0.to_string()),
        ('r', cfg.user().value.clone()),
    ]
}

/// `[user@]host[:port]`, the host in brackets when it holds a `:`.
pub(crate) fn label(user: Option<&str>, host: &str, port: Option<u16>) -> String {
    let mut out = String::new();
    if let Some(u) = user {
        out.push_str(u);
        out.push('@');
    }
    match (host.contains(':'), port) {
        (true, Some(p)) => out.push_str(&format!("[{host}]:{p}")),
        (false, Some(p)) => out.push_str(&format!("{host}:{p}")),
        (_, None) => out.push_str(host),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain_for(config: &str, host: &str, options: &[(&str, &str)]) -> Vec<HopSpec> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, config).unwrap();
        let input = ConfigInput {
            host: host.into(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            user_config: Some(path),
            system_config: dir.path().join("none"),
            home: dir.path().into(),
            local_user: "me".into(),
            local_hostname: "here".into(),
            passwd_home: None,
        };
        let cfg = config::resolve(&input);
        resolve(&input, &cfg)
    }

    #[test]
    fn a_jump_list_gives_each_hop_its_own_block_and_the_written_user_and_port() {
        let c = chain_for(
            "Host a\n  HostName 10.0.0.1\n  User ua\nHost b\n  Port 2200\n  User ub\n",
            "dest",
            &[("ProxyJump", "a,ops@b:2201")],
        );
        let got: Vec<(String, String, String, u16)> = (c.iter())
            .map(|h| {
                let cfg = &h.config;
                let (user, host) = (cfg.user().value.clone(), cfg.hostname().value.clone());
                (h.label.clone(), user, host, cfg.port().0)
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a".into(), "ua".into(), "10.0.0.1".into(), 22),
                ("ops@b:2201".into(), "ops".into(), "b".into(), 2201),
                ("dest".into(), "me".into(), "dest".into(), 22),
            ]
        );
        assert_eq!(
            c.iter().map(|h| h.via).collect::<Vec<_>>(),
            [Via::Tcp, Via::Forward, Via::Forward]
        );
    }

    #[test]
    fn a_jump_to_itself_is_ssh_s_loop_and_a_cycle_stops() {
        let c = chain_for("", "h", &[("ProxyJump", "h")]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].refused.as_deref(), Some("jumphost loop via h"));
        // a → b → a → ...: ssh would start ssh after ssh; sshdoctor stops at MAX_HOPS.
        let c = chain_for("Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n", "a", &[]);
        assert_eq!(c.len(), MAX_HOPS);
        assert!(c[0]
            .notes
            .iter()
            .any(|n| n.english().contains("stops following")));
    }

    #[test]
    fn a_proxycommand_with_an_unknown_token_is_refused_as_ssh_refuses_it() {
        let c = chain_for("Host x\n  ProxyCommand nc %h %q\n", "x", &[]);
        assert_eq!(c.len(), 1);
        assert!(c[0].refused.is_some(), "{:?}", c[0].refused);
        let c = chain_for("Host x\n  ProxyCommand nc %h %p\n", "x", &[]);
        assert_eq!(c[0].via, Via::Proxy);
        assert_eq!(c[0].proxy.as_ref().unwrap().command, "exec nc x 22");
    }

    #[test]
    fn the_route_notes_are_said_in_each_language() {
        use crate::i18n::Lang;
        let c = chain_for("Host db\n  ProxyJump ops@bastion:2201\n", "db", &[]);
        let note = &c[1].notes[0];
        let english = note.english();
        assert!(
            english.starts_with("ProxyJump ops@bastion:2201 (~/config line 2): ssh reaches db through ops@bastion:2201, running `ssh -l ops -p 2201"),
            "{english}"
        );
        let ja = note.render(Lang::Ja);
        assert!(
            ja.contains("ProxyJump ops@bastion:2201（~/config の 2 行目）"),
            "{ja}"
        );
        assert!(ja.contains("ops@bastion:2201 を経由して db に到達"), "{ja}");
        let zh = note.render(Lang::ZhCn);
        assert!(
            zh.contains("（~/config 第 2 行）：ssh 通过 ops@bastion:2201 到达 db"),
            "{zh}"
        );
    }
}

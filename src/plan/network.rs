//! The API server's address as a plan needs it: `host:port` for kubeconfigs and the first
//! service IP for the `kubernetes` Service SAN (kubeadm `GetAPIServerVirtualIP`,
//! `cmd/kubeadm/app/constants`).

use std::net::IpAddr;

/// `host:port`, bracketing IPv6 literals.
pub fn format_endpoint(host: &str, port: u16) -> String {
    if host.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// The first usable IP of a service CIDR, as kubeadm's `GetAPIServerVirtualIP` takes it: the
/// network address plus one. With a dual-stack list the first CIDR is the primary.
pub fn first_service_ip(cidrs: &str) -> std::result::Result<IpAddr, String> {
    let cidr = cidrs.split(',').next().unwrap_or("").trim();
    let (addr, len) = cidr
        .split_once('/')
        .ok_or_else(|| format!("service CIDR {cidr:?} is not ADDRESS/PREFIX"))?;
    let addr: IpAddr = addr
        .parse()
        .map_err(|_| format!("service CIDR {cidr:?} has an invalid address"))?;
    let len: u32 = len
        .parse()
        .map_err(|_| format!("service CIDR {cidr:?} has an invalid prefix length"))?;
    let bits = if addr.is_ipv4() { 32 } else { 128 };
    if len > bits {
        return Err(format!(
            "service CIDR {cidr:?} has an invalid prefix length: /{len} is longer than the {bits} bits of the address"
        ));
    }
    match addr {
        IpAddr::V4(v4) if len <= 30 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            Ok(IpAddr::V4((u32::from(v4) & mask).wrapping_add(1).into()))
        }
        IpAddr::V6(v6) if len <= 126 => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            Ok(IpAddr::V6((u128::from(v6) & mask).wrapping_add(1).into()))
        }
        _ => Err(format!("service CIDR {cidr:?} is too small")),
    }
}

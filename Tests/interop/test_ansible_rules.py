"""Ansible's ngine_io.cloudstack public address and rule modules in one playbook against the
running server (issue 5): cs_ip_address, cs_portforward, cs_firewall (ingress and egress),
cs_loadbalancer_rule and cs_loadbalancer_rule_member on an isolated network with an instance; then
cs_vpc, cs_network_acl, cs_network_acl_rule, a tier (cs_network with vpc and acl) and a VPC address;
each created, found again unchanged where the module is idempotent, and removed."""


from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cirrus_helpers as h

PLAYBOOK = textwrap.dedent("""
    - hosts: localhost
      connection: local
      gather_facts: false
      vars:
        zone: Sandbox-simulator
      tasks:
        - name: an isolated network
          ngine_io.cloudstack.cs_network:
            name: "{{ net }}"
            zone: "{{ zone }}"
            network_offering: DefaultIsolatedNetworkOfferingWithSourceNatService
            gateway: 10.78.0.1
            netmask: 255.255.255.0
        - name: an instance on it
          ngine_io.cloudstack.cs_instance:
            name: "{{ vm }}"
            zone: "{{ zone }}"
            template: "{{ template }}"
            service_offering: Small Instance
            networks: ["{{ net }}"]

        - name: a public address for the network
          ngine_io.cloudstack.cs_ip_address:
            network: "{{ net }}"
            zone: "{{ zone }}"
          register: ip
        - assert:
            that: [ip is changed, ip.ip_address is defined, ip.network == net]

        - name: port forwarding to the instance
          ngine_io.cloudstack.cs_portforward:
            ip_address: "{{ ip.ip_address }}"
            vm: "{{ vm }}"
            public_port: 2222
            private_port: 22
            zone: "{{ zone }}"
            network: "{{ net }}"
          register: pf
        - assert:
            that: [pf is changed, pf.public_port == 2222, pf.private_port == 22]
        - name: the same rule again
          ngine_io.cloudstack.cs_portforward:
            ip_address: "{{ ip.ip_address }}"
            vm: "{{ vm }}"
            public_port: 2222
            private_port: 22
            zone: "{{ zone }}"
            network: "{{ net }}"
          register: pf_again
        - assert:
            that: [pf_again is not changed]

        - name: ingress firewall
          ngine_io.cloudstack.cs_firewall:
            ip_address: "{{ ip.ip_address }}"
            port: 2222
            cidrs: [198.51.100.0/24]
            zone: "{{ zone }}"
          register: fw
        - assert:
            that: [fw is changed]
        - name: egress firewall
          ngine_io.cloudstack.cs_firewall:
            network: "{{ net }}"
            type: egress
            protocol: tcp
            start_port: 443
            end_port: 443
            cidrs: [10.78.0.0/24]
            zone: "{{ zone }}"
          register: egress
        - assert:
            that: [egress is changed]

        - name: a load balancer rule on the address
          ngine_io.cloudstack.cs_loadbalancer_rule:
            name: "{{ lb }}"
            ip_address: "{{ ip.ip_address }}"
            public_port: 80
            private_port: 8080
            algorithm: leastconn
            zone: "{{ zone }}"
            network: "{{ net }}"
          register: rule
        - assert:
            that: [rule is changed, rule.algorithm == "leastconn"]
        - name: the instance behind it
          ngine_io.cloudstack.cs_loadbalancer_rule_member:
            name: "{{ lb }}"
            ip_address: "{{ ip.ip_address }}"
            vms: ["{{ vm }}"]
            zone: "{{ zone }}"
          register: member
        - assert:
            that: [member is changed]
        - name: the same member again
          ngine_io.cloudstack.cs_loadbalancer_rule_member:
            name: "{{ lb }}"
            ip_address: "{{ ip.ip_address }}"
            vms: ["{{ vm }}"]
            zone: "{{ zone }}"
          register: member_again
        - assert:
            that: [member_again is not changed]

        - name: rules removed
          ngine_io.cloudstack.cs_loadbalancer_rule:
            name: "{{ lb }}"
            ip_address: "{{ ip.ip_address }}"
            zone: "{{ zone }}"
            state: absent
        - ngine_io.cloudstack.cs_firewall:
            network: "{{ net }}"
            type: egress
            protocol: tcp
            start_port: 443
            end_port: 443
            cidrs: [10.78.0.0/24]
            zone: "{{ zone }}"
            state: absent
          register: egress_gone
        - ngine_io.cloudstack.cs_firewall:
            ip_address: "{{ ip.ip_address }}"
            port: 2222
            cidrs: [198.51.100.0/24]
            zone: "{{ zone }}"
            state: absent
        - ngine_io.cloudstack.cs_portforward:
            ip_address: "{{ ip.ip_address }}"
            public_port: 2222
            private_port: 22
            zone: "{{ zone }}"
            state: absent
          register: pf_gone
        - assert:
            that: [egress_gone is changed, pf_gone is changed]
        - name: the address released
          ngine_io.cloudstack.cs_ip_address:
            ip_address: "{{ ip.ip_address }}"
            zone: "{{ zone }}"
            state: absent
          register: released
        - assert:
            that: [released is changed]
        - ngine_io.cloudstack.cs_instance:
            name: "{{ vm }}"
            zone: "{{ zone }}"
            state: expunged
        - ngine_io.cloudstack.cs_network:
            name: "{{ net }}"
            zone: "{{ zone }}"
            state: absent

        - name: a VPC
          ngine_io.cloudstack.cs_vpc:
            name: "{{ vpc }}"
            cidr: 10.79.0.0/16
            zone: "{{ zone }}"
          register: v
        - assert:
            that: [v is changed, v.cidr == "10.79.0.0/16"]
        - name: the same VPC again
          ngine_io.cloudstack.cs_vpc:
            name: "{{ vpc }}"
            cidr: 10.79.0.0/16
            zone: "{{ zone }}"
          register: v_again
        - assert:
            that: [v_again is not changed]
        - name: an ACL list in it
          ngine_io.cloudstack.cs_network_acl:
            name: "{{ acl }}"
            vpc: "{{ vpc }}"
            zone: "{{ zone }}"
          register: acl_list
        - assert:
            that: [acl_list is changed]
        - name: an ACL item
          ngine_io.cloudstack.cs_network_acl_rule:
            network_acl: "{{ acl }}"
            vpc: "{{ vpc }}"
            rule_position: 10
            traffic_type: ingress
            action_policy: allow
            start_port: 22
            end_port: 22
            cidrs: [198.51.100.0/24]
            zone: "{{ zone }}"
          register: acl_rule
        - assert:
            that: [acl_rule is changed]
        - name: the same item again
          ngine_io.cloudstack.cs_network_acl_rule:
            network_acl: "{{ acl }}"
            vpc: "{{ vpc }}"
            rule_position: 10
            traffic_type: ingress
            action_policy: allow
            start_port: 22
            end_port: 22
            cidrs: [198.51.100.0/24]
            zone: "{{ zone }}"
          register: acl_rule_again
        - assert:
            that: [acl_rule_again is not changed]
        - name: a tier using the list
          ngine_io.cloudstack.cs_network:
            name: "{{ tier }}"
            vpc: "{{ vpc }}"
            zone: "{{ zone }}"
            network_offering: DefaultIsolatedNetworkOfferingForVpcNetworks
            gateway: 10.79.1.1
            netmask: 255.255.255.0
            acl: "{{ acl }}"
          register: t
        - assert:
            that: [t is changed, t.vpc == vpc]
        - name: a public address of the VPC
          ngine_io.cloudstack.cs_ip_address:
            vpc: "{{ vpc }}"
            zone: "{{ zone }}"
          register: vip
        - assert:
            that: [vip is changed, vip.ip_address is defined]
        - ngine_io.cloudstack.cs_ip_address:
            ip_address: "{{ vip.ip_address }}"
            vpc: "{{ vpc }}"
            zone: "{{ zone }}"
            state: absent
        - ngine_io.cloudstack.cs_network:
            name: "{{ tier }}"
            vpc: "{{ vpc }}"
            zone: "{{ zone }}"
            state: absent
        - ngine_io.cloudstack.cs_network_acl:
            name: "{{ acl }}"
            vpc: "{{ vpc }}"
            zone: "{{ zone }}"
            state: absent
        - ngine_io.cloudstack.cs_vpc:
            name: "{{ vpc }}"
            zone: "{{ zone }}"
            state: absent
          register: vpc_gone
        - assert:
            that: [vpc_gone is changed]
    """)


def test_rules_playbook(cirrus_server, admin_keys, admin_cs, tmp_path: Path):
    playbook = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) or shutil.which("ansible-playbook")
    if not playbook:
        pytest.fail("ansible-playbook is not installed (scripts/install-deps.sh installs it into .venv)")
    template = admin_cs.listTemplates(templatefilter="featured")["template"][0]["name"]
    (tmp_path / "playbook.yml").write_text(PLAYBOOK)
    (tmp_path / "inventory").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    extra = {"net": h.unique("ans-rnet"), "vm": h.unique("ans-rvm"), "lb": h.unique("ans-lb"), "template": template, "vpc": h.unique("ans-vpc"),
             "acl": h.unique("ans-acl"), "tier": h.unique("ans-tier")}
    env = dict(os.environ, CLOUDSTACK_ENDPOINT=cirrus_server.api_url, CLOUDSTACK_KEY=admin_keys[0], CLOUDSTACK_SECRET=admin_keys[1],
               CLOUDSTACK_TIMEOUT="60", ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
               ANSIBLE_HOME=str(tmp_path / "home"))
    result = subprocess.run([playbook, "-i", str(tmp_path / "inventory"), str(tmp_path / "playbook.yml"), "-e", json.dumps(extra)],
                            capture_output=True, text=True, timeout=600, env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "failed=0" in result.stdout
    assert admin_cs.listNetworks(keyword=extra["net"], listall=True).get("network", []) == []
    assert admin_cs.listLoadBalancerRules(keyword=extra["lb"], listall=True).get("loadbalancerrule", []) == []
    assert admin_cs.listVPCs(keyword=extra["vpc"], listall=True).get("vpc", []) == []

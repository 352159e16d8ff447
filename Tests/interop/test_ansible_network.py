"""Ansible's ngine_io.cloudstack networking modules in one playbook against the running
server (issue 5): an isolated network (cs_network) created, found again unchanged, changed,
restarted, and an instance placed on it (cs_instance with networks); then everything removed."""

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
            gateway: 10.77.0.1
            netmask: 255.255.255.0
            display_text: ansible network
          register: created
        - assert:
            that: [created is changed, created.cidr == "10.77.0.0/24", created.type == "Isolated"]

        - name: the same network again
          ngine_io.cloudstack.cs_network:
            name: "{{ net }}"
            zone: "{{ zone }}"
            network_offering: DefaultIsolatedNetworkOfferingWithSourceNatService
            gateway: 10.77.0.1
            netmask: 255.255.255.0
            display_text: ansible network
          register: again
        - assert:
            that: [again is not changed]

        - name: a new description
          ngine_io.cloudstack.cs_network:
            name: "{{ net }}"
            zone: "{{ zone }}"
            network_offering: DefaultIsolatedNetworkOfferingWithSourceNatService
            display_text: renamed by ansible
          register: changed_net
        - assert:
            that: [changed_net is changed, changed_net.display_text == "renamed by ansible"]

        - name: an instance on it
          ngine_io.cloudstack.cs_instance:
            name: "{{ vm }}"
            zone: "{{ zone }}"
            template: "{{ template }}"
            service_offering: Small Instance
            networks: ["{{ net }}"]
            ip_address: 10.77.0.42
          register: vm_on_net
        - assert:
            that: [vm_on_net is changed, vm_on_net.default_ip == "10.77.0.42"]

        - name: restart the network (implemented by the instance's start)
          ngine_io.cloudstack.cs_network:
            name: "{{ net }}"
            zone: "{{ zone }}"
            state: restarted
            clean_up: true
          register: restarted
        - assert:
            that: [restarted is changed]

        - name: the instance expunged
          ngine_io.cloudstack.cs_instance:
            name: "{{ vm }}"
            zone: "{{ zone }}"
            state: expunged

        - name: the network removed
          ngine_io.cloudstack.cs_network:
            name: "{{ net }}"
            zone: "{{ zone }}"
            state: absent
          register: removed
        - assert:
            that: [removed is changed]
    """)


def test_network_playbook(cirrus_server, admin_keys, admin_cs, tmp_path: Path):
    playbook = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) or shutil.which("ansible-playbook")
    if not playbook:
        pytest.fail("ansible-playbook is not installed (scripts/install-deps.sh installs it into .venv)")
    template = admin_cs.listTemplates(templatefilter="featured")["template"][0]["name"]
    (tmp_path / "playbook.yml").write_text(PLAYBOOK)
    (tmp_path / "inventory").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    extra = {"net": h.unique("ans-net"), "vm": h.unique("ans-netvm"), "template": template}
    env = dict(os.environ, CLOUDSTACK_ENDPOINT=cirrus_server.api_url, CLOUDSTACK_KEY=admin_keys[0], CLOUDSTACK_SECRET=admin_keys[1],
               CLOUDSTACK_TIMEOUT="60", ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
               ANSIBLE_HOME=str(tmp_path / "home"))
    result = subprocess.run([playbook, "-i", str(tmp_path / "inventory"), str(tmp_path / "playbook.yml"), "-e", json.dumps(extra)],
                            capture_output=True, text=True, timeout=600, env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "failed=0" in result.stdout
    assert admin_cs.listNetworks(keyword=extra["net"], listall=True).get("network", []) == []

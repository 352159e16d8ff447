"""One Ansible playbook with the ngine_io.cloudstack collection against the running server
(issue 4): a key pair (cs_sshkeypair), an instance (cs_instance), a data volume attached and
detached (cs_volume), the instance stopped and expunged; every module run twice to show
idempotence where Ansible expects it."""

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
        - name: a key pair
          ngine_io.cloudstack.cs_sshkeypair:
            name: "{{ key }}"
          register: key_pair
        - assert:
            that: [key_pair is changed, key_pair.private_key is defined]

        - name: an instance with that key
          ngine_io.cloudstack.cs_instance:
            name: "{{ vm }}"
            zone: "{{ zone }}"
            template: "{{ template }}"
            service_offering: Small Instance
            ssh_key: "{{ key }}"
          register: instance
        - assert:
            that: [instance is changed, instance.state == 'Running']

        - name: the same instance again changes nothing
          ngine_io.cloudstack.cs_instance:
            name: "{{ vm }}"
            zone: "{{ zone }}"
            template: "{{ template }}"
            service_offering: Small Instance
            ssh_key: "{{ key }}"
          register: again
        - assert:
            that: [again is not changed]

        - name: a data volume attached to it
          ngine_io.cloudstack.cs_volume:
            name: "{{ vm }}-data"
            zone: "{{ zone }}"
            disk_offering: Small
            vm: "{{ vm }}"
            state: attached
          register: volume
        - assert:
            that: [volume is changed, volume.state == 'Ready']

        - name: detached again
          ngine_io.cloudstack.cs_volume:
            name: "{{ vm }}-data"
            zone: "{{ zone }}"
            state: detached
          register: detached
        - assert:
            that: [detached is changed]

        - name: and removed
          ngine_io.cloudstack.cs_volume:
            name: "{{ vm }}-data"
            zone: "{{ zone }}"
            state: absent

        - name: the instance stopped
          ngine_io.cloudstack.cs_instance:
            name: "{{ vm }}"
            zone: "{{ zone }}"
            state: stopped
          register: stopped
        - assert:
            that: [stopped is changed, stopped.state == 'Stopped']

        - name: and expunged
          ngine_io.cloudstack.cs_instance:
            name: "{{ vm }}"
            zone: "{{ zone }}"
            state: expunged
          register: expunged
        - assert:
            that: [expunged is changed]

        - name: the key pair removed
          ngine_io.cloudstack.cs_sshkeypair:
            name: "{{ key }}"
            state: absent
    """)


def test_playbook(cirrus_server, admin_keys, admin_cs, tmp_path: Path):
    playbook = shutil.which("ansible-playbook", path=str(Path(sys.executable).parent)) or shutil.which("ansible-playbook")
    if not playbook:
        pytest.fail("ansible-playbook is not installed (scripts/install-deps.sh installs it into .venv)")
    template = admin_cs.listTemplates(templatefilter="featured")["template"][0]["name"]
    (tmp_path / "playbook.yml").write_text(PLAYBOOK)
    (tmp_path / "inventory").write_text(f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    extra = {"key": h.unique("ans-key"), "vm": h.unique("ans-vm"), "template": template}
    env = dict(os.environ, CLOUDSTACK_ENDPOINT=cirrus_server.api_url, CLOUDSTACK_KEY=admin_keys[0], CLOUDSTACK_SECRET=admin_keys[1],
               CLOUDSTACK_TIMEOUT="60", ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"),
               ANSIBLE_HOME=str(tmp_path / "home"))
    result = subprocess.run([playbook, "-i", str(tmp_path / "inventory"), str(tmp_path / "playbook.yml"), "-e", json.dumps(extra)],
                            capture_output=True, text=True, timeout=600, env=env, cwd=str(tmp_path))
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "failed=0" in result.stdout
    assert "vm" not in [v.get("name") for v in admin_cs.listVirtualMachines(name=extra["vm"]).get("virtualmachine", [])]

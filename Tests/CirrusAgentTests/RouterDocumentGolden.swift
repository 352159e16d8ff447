import CirrusProtocol

/// A router document with every section filled, and its canonical JSON as agreed on: a change
/// to the encoding shows up here as a failing comparison, to be reviewed (and the schema
/// version raised when the shape changes).
enum RouterDocumentGolden {
    static let full = RouterDocument(
        generation: 42,
        router: .init(uuid: "6d1f5b0e-0000-4000-8000-000000000001", name: "r-7-VM", kind: .isolated, networkUUID: "6d1f5b0e-0000-4000-8000-0000000000aa",
                      role: .primary, vrrpPriority: 100),
        interfaces: [
            .init(role: .public, mac: "1e:00:5c:00:00:0a", addresses: ["192.0.2.10/24", "192.0.2.11/24"], gateway: "192.0.2.1"),
            .init(role: .guest, mac: "02:00:12:34:56:78", addresses: ["10.1.1.1/24"], broadcastURI: "vxlan://1001", mtu: 1450),
            .init(role: .control, mac: "0e:00:a9:fe:01:02", addresses: ["169.254.1.2/16"]),
        ],
        dhcp: [
            .init(mac: "02:00:00:00:00:0b", ipv4: "10.1.1.20", hostname: "web2", defaultRoute: true),
            .init(mac: "02:00:00:00:00:0a", ipv4: "10.1.1.10", ipv6: "fd00:1:2:3:0:ff:fe00:a", hostname: "web1", defaultRoute: true),
        ],
        dns: .init(domain: "cs7cloud.internal", upstream: ["192.0.2.53", "198.51.100.53"],
                   hosts: [.init(address: "10.1.1.11", names: ["web1"])]),
        metadata: [
            .init(guestIP: "10.1.1.20", instanceUUID: "6d1f5b0e-0000-4000-8000-000000000020", instanceID: "i-2-20-VM", hostname: "web2",
                  serviceOffering: "Small Instance", availabilityZone: "Sandbox-simulator", publicIPv4: nil, publicKeys: [],
                  userData: nil, cloudIdentifier: "CloudStack-{6d1f5b0e-0000-4000-8000-0000000000ff}"),
            .init(guestIP: "10.1.1.10", instanceUUID: "6d1f5b0e-0000-4000-8000-000000000010", instanceID: "i-2-10-VM", hostname: "web1",
                  serviceOffering: "Small Instance", availabilityZone: "Sandbox-simulator", publicIPv4: "192.0.2.11",
                  publicKeys: ["ssh-rsa BBBB b@example", "ssh-ed25519 AAAA a@example"], userData: "I2Nsb3VkLWNvbmZpZw==",
                  cloudIdentifier: "CloudStack-{6d1f5b0e-0000-4000-8000-0000000000ff}"),
        ],
        passwords: [.init(guestIP: "10.1.1.20", password: "fP7qzk2wd")],
        sourceNat: [.init(publicIP: "192.0.2.10", guestCIDR: "10.1.1.0/24")],
        staticNat: [.init(publicIP: "192.0.2.11", guestIP: "10.1.1.10")],
        portForwarding: [
            .init(publicIP: "192.0.2.10", proto: "udp", publicPorts: "53", guestIP: "10.1.1.20", privatePorts: "53", sourceCIDRs: ["0.0.0.0/0"]),
            .init(publicIP: "192.0.2.10", proto: "tcp", publicPorts: "2200-2210", guestIP: "10.1.1.20", privatePorts: "22-32",
                  sourceCIDRs: ["203.0.113.0/24", "198.51.100.7/32"]),
        ],
        firewall: [
            .init(publicIP: "192.0.2.10", proto: "tcp", ports: "2200-2210", sourceCIDRs: ["203.0.113.0/24"]),
            .init(publicIP: "192.0.2.11", proto: "icmp", icmpType: 8, icmpCode: 0, sourceCIDRs: ["0.0.0.0/0"]),
        ],
        egress: .init(defaultAllow: false, rules: [
            .init(proto: "tcp", ports: "443", sourceCIDRs: ["10.1.1.0/24"], destinationCIDRs: ["0.0.0.0/0"]),
            .init(proto: "all", sourceCIDRs: ["10.1.1.0/24"], destinationCIDRs: ["10.99.0.0/16"]),
        ]),
        loadBalancers: [
            .init(name: "web", publicIP: "192.0.2.10", publicPort: 80, proto: "tcp", algorithm: "roundrobin", privatePort: 8080,
                  members: ["10.1.1.20", "10.1.1.10"], sourceCIDRs: ["0.0.0.0/0"],
                  stickiness: .init(method: "LbCookie", params: ["cookie-name": "SRV", "mode": "insert"]),
                  healthCheck: .init(path: "/health", timeout: 2, interval: 5, healthyThreshold: 2, unhealthyThreshold: 1)),
        ],
        networkAcls: [.init(number: 2, action: "deny", traffic: "ingress", proto: "all", cidrs: ["0.0.0.0/0"]),
                      .init(number: 1, action: "allow", traffic: "ingress", proto: "tcp", ports: "22", cidrs: ["10.0.0.0/8"])],
        staticRoutes: [.init(cidr: "172.31.0.0/16", nextHop: "10.1.1.254"), .init(cidr: "172.30.0.0/16", nextHop: "10.1.1.253")],
        ipv6Firewall: [.init(traffic: "ingress", proto: "icmp", icmpType: 128, icmpCode: 0, sourceCIDRs: ["::/0"], destinationCIDRs: ["fd00:1:2:3::/64"]),
                       .init(traffic: "egress", proto: "tcp", ports: "443", sourceCIDRs: ["fd00:1:2:3::/64"], destinationCIDRs: ["::/0"])],
        siteToSiteVpn: [.init(connectionUUID: "6d1f5b0e-0000-4000-8000-000000000050", localPublicIP: "192.0.2.10", localCIDRs: ["10.1.2.0/24", "10.1.1.0/24"],
                              peerGateway: "198.51.100.1", peerCIDRs: ["172.16.0.0/16"], presharedKey: "s3cret-psk", ikePolicy: "aes128-sha1;modp1536",
                              espPolicy: "aes128-sha1", ikeLifetime: 86400, espLifetime: 3600, dpd: true, forceEncap: false, ikeVersion: "ikev2",
                              splitConnections: false, passive: false)],
        remoteAccessVpn: .init(publicIP: "192.0.2.10", localIP: "10.1.2.1", clientRange: "10.1.2.2-10.1.2.8", localCIDR: "10.1.1.0/24",
                               presharedKey: "Xk3mPq7sLr2vNw8yTz4bHc5d", users: [.init(username: "vpnuser2", password: "pw2"), .init(username: "vpnuser1", password: "pw1")]))

    static let json = #"""
{
  "dhcp" : [
    {
      "defaultRoute" : true,
      "hostname" : "web1",
      "ipv4" : "10.1.1.10",
      "ipv6" : "fd00:1:2:3:0:ff:fe00:a",
      "mac" : "02:00:00:00:00:0a"
    },
    {
      "defaultRoute" : true,
      "hostname" : "web2",
      "ipv4" : "10.1.1.20",
      "mac" : "02:00:00:00:00:0b"
    }
  ],
  "dns" : {
    "domain" : "cs7cloud.internal",
    "hosts" : [
      {
        "address" : "10.1.1.11",
        "names" : [
          "web1"
        ]
      }
    ],
    "upstream" : [
      "192.0.2.53",
      "198.51.100.53"
    ]
  },
  "egress" : {
    "defaultAllow" : false,
    "rules" : [
      {
        "destinationCIDRs" : [
          "10.99.0.0/16"
        ],
        "protocol" : "all",
        "sourceCIDRs" : [
          "10.1.1.0/24"
        ]
      },
      {
        "destinationCIDRs" : [
          "0.0.0.0/0"
        ],
        "ports" : "443",
        "protocol" : "tcp",
        "sourceCIDRs" : [
          "10.1.1.0/24"
        ]
      }
    ]
  },
  "firewall" : [
    {
      "ports" : "2200-2210",
      "protocol" : "tcp",
      "publicIP" : "192.0.2.10",
      "sourceCIDRs" : [
        "203.0.113.0/24"
      ]
    },
    {
      "icmpCode" : 0,
      "icmpType" : 8,
      "protocol" : "icmp",
      "publicIP" : "192.0.2.11",
      "sourceCIDRs" : [
        "0.0.0.0/0"
      ]
    }
  ],
  "generation" : 42,
  "interfaces" : [
    {
      "addresses" : [
        "169.254.1.2/16"
      ],
      "mac" : "0e:00:a9:fe:01:02",
      "mtu" : 1500,
      "role" : "control"
    },
    {
      "addresses" : [
        "10.1.1.1/24"
      ],
      "broadcastURI" : "vxlan://1001",
      "mac" : "02:00:12:34:56:78",
      "mtu" : 1450,
      "role" : "guest"
    },
    {
      "addresses" : [
        "192.0.2.10/24",
        "192.0.2.11/24"
      ],
      "gateway" : "192.0.2.1",
      "mac" : "1e:00:5c:00:00:0a",
      "mtu" : 1500,
      "role" : "public"
    }
  ],
  "ipv6Firewall" : [
    {
      "destinationCIDRs" : [
        "::/0"
      ],
      "ports" : "443",
      "protocol" : "tcp",
      "sourceCIDRs" : [
        "fd00:1:2:3::/64"
      ],
      "traffic" : "egress"
    },
    {
      "destinationCIDRs" : [
        "fd00:1:2:3::/64"
      ],
      "icmpCode" : 0,
      "icmpType" : 128,
      "protocol" : "icmp",
      "sourceCIDRs" : [
        "::/0"
      ],
      "traffic" : "ingress"
    }
  ],
  "loadBalancers" : [
    {
      "algorithm" : "roundrobin",
      "healthCheck" : {
        "healthyThreshold" : 2,
        "interval" : 5,
        "path" : "/health",
        "timeout" : 2,
        "unhealthyThreshold" : 1
      },
      "members" : [
        "10.1.1.10",
        "10.1.1.20"
      ],
      "name" : "web",
      "privatePort" : 8080,
      "protocol" : "tcp",
      "publicIP" : "192.0.2.10",
      "publicPort" : 80,
      "sourceCIDRs" : [
        "0.0.0.0/0"
      ],
      "stickiness" : {
        "method" : "LbCookie",
        "params" : {
          "cookie-name" : "SRV",
          "mode" : "insert"
        }
      }
    }
  ],
  "metadata" : [
    {
      "availabilityZone" : "Sandbox-simulator",
      "cloudIdentifier" : "CloudStack-{6d1f5b0e-0000-4000-8000-0000000000ff}",
      "guestIP" : "10.1.1.10",
      "hostname" : "web1",
      "instanceID" : "i-2-10-VM",
      "instanceUUID" : "6d1f5b0e-0000-4000-8000-000000000010",
      "publicIPv4" : "192.0.2.11",
      "publicKeys" : [
        "ssh-ed25519 AAAA a@example",
        "ssh-rsa BBBB b@example"
      ],
      "serviceOffering" : "Small Instance",
      "userData" : "I2Nsb3VkLWNvbmZpZw=="
    },
    {
      "availabilityZone" : "Sandbox-simulator",
      "cloudIdentifier" : "CloudStack-{6d1f5b0e-0000-4000-8000-0000000000ff}",
      "guestIP" : "10.1.1.20",
      "hostname" : "web2",
      "instanceID" : "i-2-20-VM",
      "instanceUUID" : "6d1f5b0e-0000-4000-8000-000000000020",
      "publicKeys" : [

      ],
      "serviceOffering" : "Small Instance"
    }
  ],
  "networkAcls" : [
    {
      "action" : "allow",
      "cidrs" : [
        "10.0.0.0/8"
      ],
      "number" : 1,
      "ports" : "22",
      "protocol" : "tcp",
      "traffic" : "ingress"
    },
    {
      "action" : "deny",
      "cidrs" : [
        "0.0.0.0/0"
      ],
      "number" : 2,
      "protocol" : "all",
      "traffic" : "ingress"
    }
  ],
  "passwords" : [
    {
      "guestIP" : "10.1.1.20",
      "password" : "fP7qzk2wd"
    }
  ],
  "portForwarding" : [
    {
      "guestIP" : "10.1.1.20",
      "privatePorts" : "22-32",
      "protocol" : "tcp",
      "publicIP" : "192.0.2.10",
      "publicPorts" : "2200-2210",
      "sourceCIDRs" : [
        "198.51.100.7/32",
        "203.0.113.0/24"
      ]
    },
    {
      "guestIP" : "10.1.1.20",
      "privatePorts" : "53",
      "protocol" : "udp",
      "publicIP" : "192.0.2.10",
      "publicPorts" : "53",
      "sourceCIDRs" : [
        "0.0.0.0/0"
      ]
    }
  ],
  "remoteAccessVpn" : {
    "clientRange" : "10.1.2.2-10.1.2.8",
    "localCIDR" : "10.1.1.0/24",
    "localIP" : "10.1.2.1",
    "presharedKey" : "Xk3mPq7sLr2vNw8yTz4bHc5d",
    "publicIP" : "192.0.2.10",
    "users" : [
      {
        "password" : "pw1",
        "username" : "vpnuser1"
      },
      {
        "password" : "pw2",
        "username" : "vpnuser2"
      }
    ]
  },
  "router" : {
    "kind" : "isolated",
    "name" : "r-7-VM",
    "networkUUID" : "6d1f5b0e-0000-4000-8000-0000000000aa",
    "role" : "primary",
    "uuid" : "6d1f5b0e-0000-4000-8000-000000000001",
    "vrrpPriority" : 100
  },
  "schemaVersion" : 1,
  "siteToSiteVpn" : [
    {
      "connectionUUID" : "6d1f5b0e-0000-4000-8000-000000000050",
      "dpd" : true,
      "espLifetime" : 3600,
      "espPolicy" : "aes128-sha1",
      "forceEncap" : false,
      "ikeLifetime" : 86400,
      "ikePolicy" : "aes128-sha1;modp1536",
      "ikeVersion" : "ikev2",
      "localCIDRs" : [
        "10.1.1.0/24",
        "10.1.2.0/24"
      ],
      "localPublicIP" : "192.0.2.10",
      "passive" : false,
      "peerCIDRs" : [
        "172.16.0.0/16"
      ],
      "peerGateway" : "198.51.100.1",
      "presharedKey" : "s3cret-psk",
      "splitConnections" : false
    }
  ],
  "sourceNat" : [
    {
      "guestCIDR" : "10.1.1.0/24",
      "publicIP" : "192.0.2.10"
    }
  ],
  "staticNat" : [
    {
      "guestIP" : "10.1.1.10",
      "publicIP" : "192.0.2.11"
    }
  ],
  "staticRoutes" : [
    {
      "cidr" : "172.30.0.0/16",
      "nextHop" : "10.1.1.253"
    },
    {
      "cidr" : "172.31.0.0/16",
      "nextHop" : "10.1.1.254"
    }
  ]
}
"""#
}

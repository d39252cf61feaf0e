# SPDX-License-Identifier: MIT
"""A strict protojson check of in-toto statements, as Go's protojson and
the in-toto attestation bindings parse them: unknown fields are errors.

The message types are those of the in-toto attestation protos
(in_toto_attestation/v1/statement.proto, resource_descriptor.proto and
predicates/vsa/v1/vsa.proto), declared here field for field, since Debian
ships protobuf's Python runtime but not those bindings.

usage: python3 intoto_strict.py STATEMENT.json [vsa]
  parses the statement strictly; with "vsa" also its predicate as a SLSA
  VerificationSummary v1.  exit 0 accepted, 1 refused (the parser's
  message on stderr), 2 usage.
"""
import json
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf import struct_pb2, timestamp_pb2  # noqa: F401 (registers their files)

F = descriptor_pb2.FieldDescriptorProto


def field(msg, name, number, ftype, json_name=None, repeated=False, type_name=None):
    f = msg.field.add(name=name, number=number, type=ftype,
                      label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
    f.json_name = json_name or name
    if type_name:
        f.type_name = type_name


def string_map(msg, name, number, value_type=F.TYPE_STRING):
    entry = msg.nested_type.add(name=name.title().replace("_", "") + "Entry")
    entry.options.map_entry = True
    field(entry, "key", 1, F.TYPE_STRING)
    field(entry, "value", 2, value_type)
    field(msg, name, number, F.TYPE_MESSAGE, repeated=True, type_name=f".{PKG}.{msg.name}.{entry.name}")


def build():
    global PKG
    pool = descriptor_pool.Default()
    PKG = "in_toto_attestation.v1"
    fd = descriptor_pb2.FileDescriptorProto(name="lockstep_test/statement.proto", package=PKG,
                                            syntax="proto3",
                                            dependency=["google/protobuf/struct.proto"])
    rd = fd.message_type.add(name="ResourceDescriptor")
    field(rd, "name", 1, F.TYPE_STRING)
    field(rd, "uri", 2, F.TYPE_STRING)
    string_map(rd, "digest", 3)
    field(rd, "content", 4, F.TYPE_BYTES)
    field(rd, "download_location", 5, F.TYPE_STRING, "downloadLocation")
    field(rd, "media_type", 6, F.TYPE_STRING, "mediaType")
    field(rd, "annotations", 7, F.TYPE_MESSAGE, type_name=".google.protobuf.Struct")
    st = fd.message_type.add(name="Statement")
    field(st, "type", 1, F.TYPE_STRING, "_type")
    field(st, "subject", 2, F.TYPE_MESSAGE, repeated=True, type_name=f".{PKG}.ResourceDescriptor")
    field(st, "predicate_type", 3, F.TYPE_STRING, "predicateType")
    field(st, "predicate", 4, F.TYPE_MESSAGE, type_name=".google.protobuf.Struct")
    pool.Add(fd)

    PKG = "in_toto_attestation.predicates.vsa.v1"
    fd = descriptor_pb2.FileDescriptorProto(name="lockstep_test/vsa.proto", package=PKG,
                                            syntax="proto3",
                                            dependency=["google/protobuf/timestamp.proto"])
    vs = fd.message_type.add(name="VerificationSummary")
    ver = vs.nested_type.add(name="Verifier")
    field(ver, "id", 1, F.TYPE_STRING)
    pol = vs.nested_type.add(name="Policy")
    field(pol, "uri", 1, F.TYPE_STRING)
    ia = vs.nested_type.add(name="InputAttestation")
    field(ia, "uri", 1, F.TYPE_STRING)
    for m in (pol, ia):
        e = m.nested_type.add(name="DigestEntry")
        e.options.map_entry = True
        field(e, "key", 1, F.TYPE_STRING)
        field(e, "value", 2, F.TYPE_STRING)
        field(m, "digest", 2, F.TYPE_MESSAGE, repeated=True,
              type_name=f".{PKG}.VerificationSummary.{m.name}.DigestEntry")
    field(vs, "verifier", 1, F.TYPE_MESSAGE, type_name=f".{PKG}.VerificationSummary.Verifier")
    field(vs, "time_verified", 2, F.TYPE_MESSAGE, "timeVerified", type_name=".google.protobuf.Timestamp")
    field(vs, "resource_uri", 3, F.TYPE_STRING, "resourceUri")
    field(vs, "policy", 4, F.TYPE_MESSAGE, type_name=f".{PKG}.VerificationSummary.Policy")
    field(vs, "input_attestations", 5, F.TYPE_MESSAGE, "inputAttestations", repeated=True,
          type_name=f".{PKG}.VerificationSummary.InputAttestation")
    field(vs, "verification_result", 6, F.TYPE_STRING, "verificationResult")
    field(vs, "verified_levels", 7, F.TYPE_STRING, "verifiedLevels", repeated=True)
    dl = vs.nested_type.add(name="DependencyLevelsEntry")
    dl.options.map_entry = True
    field(dl, "key", 1, F.TYPE_STRING)
    field(dl, "value", 2, F.TYPE_UINT64)
    field(vs, "dependency_levels", 8, F.TYPE_MESSAGE, "dependencyLevels", repeated=True,
          type_name=f".{PKG}.VerificationSummary.DependencyLevelsEntry")
    field(vs, "slsa_version", 9, F.TYPE_STRING, "slsaVersion")
    pool.Add(fd)

    def cls(full):
        d = pool.FindMessageTypeByName(full)
        if hasattr(message_factory, "GetMessageClass"):
            return message_factory.GetMessageClass(d)
        return message_factory.MessageFactory(pool).GetPrototype(d)
    return cls("in_toto_attestation.v1.Statement"), \
        cls("in_toto_attestation.predicates.vsa.v1.VerificationSummary")


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "vsa"):
        print(__doc__.strip().splitlines()[-4], file=sys.stderr)
        return 2
    statement, summary = build()
    text = open(sys.argv[1]).read()
    try:
        json_format.Parse(text, statement(), ignore_unknown_fields=False)
        if len(sys.argv) == 3:
            json_format.Parse(json.dumps(json.loads(text)["predicate"]), summary(),
                              ignore_unknown_fields=False)
    except json_format.ParseError as err:
        print(f"intoto_strict: {sys.argv[1]}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

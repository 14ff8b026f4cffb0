"""The deployment's regions and the chats that serve them.

- `tree`: the kecamatan → kelurahan/desa tree in memory, with lookups by code and name.
- `importer`: builds a kabupaten/kota's tree from a Kemendagri code list (`data/wilayah`).
- `directory`: which chat belongs to which region or komunitas, and who may join it.
- `joins`: join requests to approval-only KIM groups, approved or declined.
- `zones`: which of Indonesia's three time zones a region lies in.
"""

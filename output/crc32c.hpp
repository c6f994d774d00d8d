// CRC32C (Castagnoli, the polynomial of iSCSI and ext4): the checksum of spool records.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tripline {

// `crc` continues a previous value (start with 0).
uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

}  // namespace tripline

#ifndef EQUILINK_CLIENT_COMMANDS_TEXT_TABLE_H_
#define EQUILINK_CLIENT_COMMANDS_TEXT_TABLE_H_

// Plain-text tables for the terminal: columns padded to their widest cell,
// two spaces apart, the last column unpadded.

#include <string>
#include <vector>

namespace equilink::client {

// `rows[0]` is the header. Rows shorter than the header are padded with empty
// cells.
std::string FormatTextTable(const std::vector<std::vector<std::string>>& rows);

}  // namespace equilink::client

#endif  // EQUILINK_CLIENT_COMMANDS_TEXT_TABLE_H_

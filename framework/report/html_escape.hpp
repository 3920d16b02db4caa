#pragma once
// HTML's metacharacters as entities, for the two writers of a report: the
// markdown text (markdown_report.cpp, where user text must not become raw HTML)
// and the HTML page (markdown_html.cpp). svg_chart.cpp has its own, stricter
// xml_escape: XML also forbids control characters and malformed UTF-8.
#include <string>
#include <string_view>

namespace atrous::report {

// '&', '<' and '>' as "&amp;", "&lt;", "&gt;", and '"' as "&quot;" when `quotes`
// (inside an attribute value); every other byte as it is.
std::string escape_html(std::string_view s, bool quotes);

}  // namespace atrous::report

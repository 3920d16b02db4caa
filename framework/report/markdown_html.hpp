#pragma once
// `atrous report --format html`: the markdown report as one standalone HTML page.
// Renders the subset markdown_report writes (headings, paragraphs, "- " lists,
// "> " quotes, pipe tables, images on their own line, **bold**, `code`); any
// other text is escaped and kept as a paragraph.
#include <string>

namespace atrous::report {

std::string markdown_to_html(const std::string& markdown, const std::string& title);

}  // namespace atrous::report

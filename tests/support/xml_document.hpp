#pragma once
// A parsed XML document for tests (expat): every element with its attributes,
// its direct character data (unescaped) and its parent, in document order.
// Used to check that generated SVG is well-formed XML and to inspect it.
#include <expat.h>

#include <map>
#include <string>
#include <vector>

namespace atrous::testing {

struct Element {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;  // character data directly inside this element, unescaped by expat
  int parent = -1;
};

struct Doc {
  std::vector<Element> elements;
  std::vector<int> open;
};

inline void on_start(void* data, const XML_Char* name, const XML_Char** atts) {
  auto* doc = static_cast<Doc*>(data);
  Element e;
  e.name = name;
  e.parent = doc->open.empty() ? -1 : doc->open.back();
  for (int i = 0; atts[i]; i += 2) e.attrs[atts[i]] = atts[i + 1];
  doc->open.push_back(static_cast<int>(doc->elements.size()));
  doc->elements.push_back(std::move(e));
}

inline void on_end(void* data, const XML_Char*) { static_cast<Doc*>(data)->open.pop_back(); }

inline void on_text(void* data, const XML_Char* s, int len) {
  auto* doc = static_cast<Doc*>(data);
  if (!doc->open.empty()) doc->elements[doc->open.back()].text.append(s, static_cast<std::size_t>(len));
}

inline bool parse_xml(const std::string& s, Doc* doc, std::string* error) {
  Doc scratch;
  if (!doc) doc = &scratch;
  XML_Parser p = XML_ParserCreate(nullptr);
  XML_SetUserData(p, doc);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  const bool ok = XML_Parse(p, s.data(), static_cast<int>(s.size()), 1) == XML_STATUS_OK;
  if (!ok && error)
    *error = std::string(XML_ErrorString(XML_GetErrorCode(p))) + " at line " +
             std::to_string(XML_GetCurrentLineNumber(p)) + ", column " + std::to_string(XML_GetCurrentColumnNumber(p));
  XML_ParserFree(p);
  return ok;
}

inline bool parses_as_xml(const std::string& s, std::string* error) { return parse_xml(s, nullptr, error); }

}  // namespace atrous::testing

import { resolverTypesCodegen } from '../../codegen.shared.js';

export default resolverTypesCodegen({
  contextType: '../context.js#SearchContext',
  enumsAsTypes: true,
  // The connection is built whole by the search service; its parts are plain objects.
  mappers: {
    Post: '../results.js#SearchItemRef',
    Product: '../results.js#SearchItemRef',
    User: '../results.js#SearchItemRef',
    SearchResultConnection: '../results.js#SearchConnectionModel',
    Suggestion: '../results.js#SuggestionModel',
  },
});

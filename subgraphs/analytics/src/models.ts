/** Parent values of the resolvers: entities are just their id; fields come from loaders. */
export interface EntityRef {
  id: string;
}

export interface TrendingPostModel {
  post: EntityRef;
  score: number;
}

/** A User as this subgraph knows it: only its key; core owns the rest. */
export interface UserRef {
  id: string;
}

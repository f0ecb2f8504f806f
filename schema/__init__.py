"""The GraphQL schema: Strawberry types mapped explicitly from storage rows."""

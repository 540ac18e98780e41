// The reference GraphQL server: npm `graphql-yoga` (GraphQL over HTTP, POST and GET, per the
// GraphQL-over-HTTP spec's media types), on the reference implementation `graphql`. The schema:
//   country(code: ID!): Country    countries(continent: Continent): [Country!]!    whoami: String (the
//   Authorization header)          broken: String (always an error)    addNote(text: String!): Note
//   subscription countdown(from: Int!): Int
// Prints {"port": N} once listening on 127.0.0.1, and exits when its stdin closes.
"use strict";
const http = require("http");
const { createSchema, createYoga } = require("graphql-yoga");

const COUNTRIES = [
  { code: "DE", name: "Germany", capital: "Berlin", continent: "EUROPE" },
  { code: "FR", name: "France", capital: "Paris", continent: "EUROPE" },
  { code: "JP", name: "Japan", capital: "Tokyo", continent: "ASIA" },
];
const notes = [];

const schema = createSchema({
  typeDefs: /* GraphQL */ `
    "A continent."
    enum Continent { EUROPE ASIA }
    "A country, by its ISO 3166 code."
    type Country { code: ID! name: String! capital: String continent: Continent! }
    type Note { id: Int! text: String! }
    type Query {
      "One country, by its code."
      country(code: ID!): Country
      countries(continent: Continent): [Country!]!
      whoami: String
      broken: String
    }
    type Mutation { addNote(text: String!): Note! }
    type Subscription { countdown(from: Int!): Int! }
  `,
  resolvers: {
    Query: {
      country: (_, { code }) => COUNTRIES.find((c) => c.code === code) || null,
      countries: (_, { continent }) => COUNTRIES.filter((c) => !continent || c.continent === continent),
      whoami: (_, __, context) => context.request.headers.get("authorization"),
      broken: () => {
        throw new Error("this field always fails");
      },
    },
    Mutation: {
      addNote: (_, { text }) => {
        const note = { id: notes.length + 1, text };
        notes.push(note);
        return note;
      },
    },
    Subscription: {
      countdown: {
        subscribe: async function* (_, { from }) {
          for (let n = from; n >= 0; n -= 1) {
            yield { countdown: n };
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        },
      },
    },
  },
});

const yoga = createYoga({ schema, graphqlEndpoint: "/graphql", logging: false, maskedErrors: false });
const server = http.createServer(yoga);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

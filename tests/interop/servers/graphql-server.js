// The reference GraphQL server: npm `graphql-yoga` (GraphQL over HTTP, POST and GET, per the
// GraphQL-over-HTTP spec's media types) and npm `graphql-ws` on `ws` (GraphQL over WebSocket, the
// `graphql-transport-ws` protocol, on the same /graphql path, wired as yoga's documentation does), on the
// reference implementation `graphql`. The schema:
//   country(code: ID!): Country    countries(continent: Continent): [Country!]!    whoami: String (the
//   Authorization header over HTTP; connection_init's Authorization over WebSocket)
//   broken: String (always an error)    addNote(text: String!): Note
//   subscription countdown(from: Int!): Int (from..0, then complete)    ticks: Int (endless, every 10 ms)
//   failing: Int (1, 2, then an error)
// A connection_init whose Authorization is `Bearer wrong` is refused (close 4403).
// Prints {"port": N} once listening on 127.0.0.1, and exits when its stdin closes.
"use strict";
const http = require("http");
const { createSchema, createYoga } = require("graphql-yoga");
const { WebSocketServer } = require("ws");
const { useServer } = require("graphql-ws/use/ws");

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
    type Subscription {
      "Counts down to 0, then completes."
      countdown(from: Int!): Int!
      ticks: Int!
      failing: Int!
    }
  `,
  resolvers: {
    Query: {
      country: (_, { code }) => COUNTRIES.find((c) => c.code === code) || null,
      countries: (_, { continent }) => COUNTRIES.filter((c) => !continent || c.continent === continent),
      whoami: (_, __, context) =>
        context.connectionParams
          ? context.connectionParams.Authorization || null
          : context.request.headers.get("authorization"),
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
      ticks: {
        subscribe: async function* () {
          for (let n = 1; ; n += 1) {
            yield { ticks: n };
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
        },
      },
      failing: {
        subscribe: async function* () {
          yield { failing: 1 };
          yield { failing: 2 };
          throw new Error("the feed broke");
        },
      },
    },
  },
});

const yoga = createYoga({ schema, graphqlEndpoint: "/graphql", logging: false, maskedErrors: false });
const server = http.createServer(yoga);
const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
useServer(
  {
    execute: (args) => args.rootValue.execute(args),
    subscribe: (args) => args.rootValue.subscribe(args),
    onConnect: (ctx) => !(ctx.connectionParams && ctx.connectionParams.Authorization === "Bearer wrong"),
    onSubscribe: async (ctx, _id, params) => {
      const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
        ...ctx,
        req: ctx.extra.request,
        socket: ctx.extra.socket,
        params,
      });
      const args = {
        schema,
        operationName: params.operationName,
        document: parse(params.query),
        variableValues: params.variables,
        contextValue: { ...(await contextFactory()), connectionParams: ctx.connectionParams || {} },
        rootValue: { execute, subscribe },
      };
      const errors = validate(args.schema, args.document);
      if (errors.length) return errors;
      return args;
    },
  },
  wsServer,
);
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

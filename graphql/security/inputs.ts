import {
  getNamedType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";
import { wrapOrThrow } from "@pothos/plugin-errors";
import { auditRefusal } from "../audit.ts";
import type { Context } from "../context.ts";
import { ValidationError } from "../errors.ts";
import { textProblem, type TextKind } from "./text.ts";

/** Dates a client may send: none before 1970, none more than 10 years ahead (e.g. token expiry). */
export const MAX_FUTURE_MS = 3653 * 24 * 3600 * 1000;
/** Floats beyond this are no measurement Trainyard takes (losses, latencies, learning rates): refused before any rule runs. */
export const MAX_ABS_FLOAT = 1e15; // above any artifact size (10 TiB ≈ 1.1e13), far below 1e308

const NAME_LIKE = /(name|key|token|prefix|slug|version|status|scope)$/i;
const SEARCH_LIKE = /^(q|query|search|filter|text)$/i;

/** Which text rule a String argument or input field follows, from its name and type. */
function kindOf(fieldName: string, typeName: string): TextKind | null {
  if (typeName === "ID") return "id";
  if (typeName !== "String") return null;
  if (SEARCH_LIKE.test(fieldName)) return "search";
  if (NAME_LIKE.test(fieldName)) return "name";
  return "text";
}

interface Problem {
  path: string;
  message: string;
}

function check(value: unknown, type: GraphQLInputType, fieldName: string, path: string, problems: Problem[]): void {
  if (value === null || value === undefined || problems.length >= 20) return;
  if (isNonNullType(type)) return check(value, (type as GraphQLNonNull<GraphQLInputType>).ofType, fieldName, path, problems);
  if (isListType(type)) {
    if (!Array.isArray(value)) return check(value, (type as GraphQLList<GraphQLInputType>).ofType, fieldName, path, problems);
    value.forEach((v, i) => check(v, (type as GraphQLList<GraphQLInputType>).ofType, fieldName, `${path}[${i}]`, problems));
    return;
  }
  if (isInputObjectType(type)) {
    const fields = (type as GraphQLInputObjectType).getFields();
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
      const field = fields[name];
      if (field) check(v, field.type, name, `${path}.${name}`, problems);
    }
    return;
  }
  const typeName = getNamedType(type).name;
  if (typeof value === "string") {
    const kind = kindOf(fieldName, typeName);
    const problem = kind ? textProblem(value, kind) : null;
    if (problem) problems.push({ path, message: `${path} ${problem}` });
  } else if (typeof value === "number" && typeName === "Float" && !(Math.abs(value) <= MAX_ABS_FLOAT)) {
    problems.push({ path, message: `${path} must be a finite number between -${MAX_ABS_FLOAT.toExponential()} and ${MAX_ABS_FLOAT.toExponential()}` });
  } else if (value instanceof Date) {
    const t = value.getTime();
    if (!(t >= 0 && t <= Date.now() + MAX_FUTURE_MS)) problems.push({ path, message: `${path} must be a date between 1970 and 10 years from now` });
  }
}

/** Every problem with a field's arguments, by argument path (e.g. `input.name`). */
export function inputProblems(args: readonly GraphQLArgument[], values: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  for (const arg of args) check(values[arg.name], arg.type, arg.name, arg.name, problems);
  return problems;
}

/**
 * The one place every argument is bounded before a resolver sees it: each
 * field with arguments, on every type, checks them (text rules from text.ts,
 * finite and sane numbers, dates within range). A refusal is a VALIDATION
 * error naming the field — as data where the field's result union has
 * ValidationError, otherwise a top-level error with that code — and a
 * refused mutation is audited like any other refusal.
 */
export function boundInputs(schema: GraphQLSchema): GraphQLSchema {
  const mutationType = schema.getMutationType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!(type instanceof GraphQLObjectType) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const resolve: GraphQLFieldResolver<unknown, Context> = field.resolve ?? ((source) => (source as Record<string, unknown>)?.[field.name]);
      // The field's result-union errors (plugin-errors): a ValidationError among them is returned as data.
      const unionErrors = field.extensions?.pothosErrors as Parameters<typeof wrapOrThrow>[1] | undefined;
      const isMutation = type === mutationType;
      field.resolve = (source, args, ctx, info) => {
        const problems = inputProblems(field.args, args);
        if (problems.length === 0) return resolve(source, args, ctx, info);
        const error = new ValidationError(problems[0]!.message, problems);
        const refuse = () => {
          if (unionErrors) return wrapOrThrow(error, unionErrors, undefined);
          throw error;
        };
        return isMutation ? auditRefusal(ctx, field.name, error).then(refuse) : refuse();
      };
    }
  }
  return schema;
}

import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";

// Resource route: the Request goes to yoga unchanged (GET: queries and the playground; POST: operations).
export const loader = ({ request, context }: LoaderFunctionArgs) => context.trainyard.yoga.fetch(request, {});
export const action = ({ request, context }: ActionFunctionArgs) => context.trainyard.yoga.fetch(request, {});

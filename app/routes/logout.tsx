import type { ActionFunctionArgs } from "@remix-run/node";
import { redirect } from "@remix-run/node";

// Signing out is a POST (a link could be triggered by any page); a GET just goes home.
export const loader = () => redirect("/");
export const action = async ({ context }: ActionFunctionArgs) => redirect("/login", { headers: { "Set-Cookie": await context.console.signOut() } });

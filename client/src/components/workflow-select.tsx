import { useQuery } from 'urql';
import { graphql } from '../graphql';

const WorkflowOptionsDocument = graphql(`
  query WorkflowOptions {
    workflows(first: 100) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`);

export function WorkflowSelect({ id, value, onChange }: { id: string; value: string; onChange(v: string): void }) {
  const [{ data }] = useQuery({ query: WorkflowOptionsDocument });
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">All workflows</option>
      {data?.workflows.edges.map(({ node }) => (
        <option key={node.id} value={node.id}>
          {node.name}
        </option>
      ))}
    </select>
  );
}
